#include "server/services/idle_watchdog.h"

#include <algorithm>

#include "glog/logging.h"

namespace simclr::server {

IdleWatchdog::IdleWatchdog(absl::Duration timeout)
    : timeout_(timeout), thread_([this] { Loop(); }) {}

IdleWatchdog::~IdleWatchdog() {
  {
    absl::MutexLock lock(&mu_);
    stop_ = true;
  }
  thread_.join();
}

void IdleWatchdog::Loop() {
  // Checks a few times per timeout, at most every second.
  const absl::Duration period = std::min(timeout_ / 4, absl::Seconds(1));
  absl::MutexLock lock(&mu_);
  while (!stop_) {
    auto stopping = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return stop_; };
    mu_.AwaitWithTimeout(absl::Condition(&stopping), period);
    const absl::Time now = absl::Now();
    for (auto& [id, entry] : entries_) {
      if (entry.timed_out || now - entry.last < timeout_) continue;
      // Under mu_: the Watch that owns the context cannot end meanwhile.
      entry.timed_out = true;
      entry.context->TryCancel();
      ++timeouts_;
      LOG(WARNING) << "cancelled a stream idle for more than " << timeout_;
    }
  }
}

IdleWatchdog::Watch::Watch(IdleWatchdog* watchdog, grpc::ServerContext* context)
    : watchdog_(watchdog) {
  absl::MutexLock lock(&watchdog_->mu_);
  id_ = watchdog_->next_id_++;
  watchdog_->entries_[id_] = Entry{context, absl::Now()};
}

IdleWatchdog::Watch::~Watch() {
  absl::MutexLock lock(&watchdog_->mu_);
  watchdog_->entries_.erase(id_);
}

void IdleWatchdog::Watch::Touch() {
  absl::MutexLock lock(&watchdog_->mu_);
  watchdog_->entries_[id_].last = absl::Now();
}

bool IdleWatchdog::Watch::timed_out() const {
  absl::MutexLock lock(&watchdog_->mu_);
  return watchdog_->entries_[id_].timed_out;
}

}  // namespace simclr::server
