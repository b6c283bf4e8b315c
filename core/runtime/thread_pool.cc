#include "core/runtime/thread_pool.h"

#include <algorithm>
#include <utility>

namespace simclr::core {

ThreadPool::ThreadPool(int threads) {
  absl::MutexLock lock(&stop_mu_);
  for (int i = 0; i < std::max(1, threads); ++i)
    threads_.emplace_back([this] { Run(); });
}

ThreadPool::~ThreadPool() { Stop(); }

bool ThreadPool::Schedule(std::function<void()> work) {
  return ScheduleSteps([work = std::move(work)] {
    work();
    return false;
  });
}

bool ThreadPool::ScheduleSteps(std::function<bool()> step) {
  absl::MutexLock lock(&mu_);
  if (stopping_) return false;
  queue_.push_back(std::move(step));
  return true;
}

void ThreadPool::Stop() {
  absl::MutexLock stop_lock(&stop_mu_);
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  for (auto& thread : threads_) thread.join();
  threads_.clear();
}

void ThreadPool::Run() {
  while (true) {
    std::function<bool()> step;
    {
      absl::MutexLock lock(&mu_);
      mu_.Await(absl::Condition(
          +[](ThreadPool* self) ABSL_NO_THREAD_SAFETY_ANALYSIS {
            return self->stopping_ || !self->queue_.empty();
          },
          this));
      if (queue_.empty()) return;  // stopping, and nothing left to run
      step = std::move(queue_.front());
      queue_.pop_front();
    }
    if (step()) {
      absl::MutexLock lock(&mu_);
      queue_.push_back(std::move(step));  // its next turn, after the others
    }
  }
}

}  // namespace simclr::core
