// Ends client streams that stop sending: a synchronous stream blocks a
// server thread in Read() until the client sends or goes away, so an idle
// upload would hold its thread (and its slot) forever. Each watched stream
// touches its entry on every message; one that stays silent past the
// timeout is cancelled (its upload then leaves nothing behind).
#ifndef SIMCLR_SERVER_SERVICES_IDLE_WATCHDOG_H_
#define SIMCLR_SERVER_SERVICES_IDLE_WATCHDOG_H_

#include <atomic>
#include <cstdint>
#include <map>
#include <thread>

#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "grpcpp/server_context.h"

namespace simclr::server {

class IdleWatchdog {
 public:
  explicit IdleWatchdog(absl::Duration timeout);
  ~IdleWatchdog();  // stops the thread

  // Watches `context` while it lives; Touch() on every message.
  class Watch {
   public:
    Watch(IdleWatchdog* watchdog, grpc::ServerContext* context);
    ~Watch();
    Watch(const Watch&) = delete;
    void Touch();
    // Whether the watchdog cancelled the stream.
    bool timed_out() const;

   private:
    IdleWatchdog* const watchdog_;
    int64_t id_;
  };

  absl::Duration timeout() const { return timeout_; }
  // Streams cancelled so far.
  int64_t timeouts() const { return timeouts_.load(); }

 private:
  struct Entry {
    grpc::ServerContext* context;
    absl::Time last;
    bool timed_out = false;
  };
  void Loop();

  const absl::Duration timeout_;
  absl::Mutex mu_;
  std::map<int64_t, Entry> entries_ ABSL_GUARDED_BY(mu_);
  int64_t next_id_ ABSL_GUARDED_BY(mu_) = 0;
  bool stop_ ABSL_GUARDED_BY(mu_) = false;
  std::atomic<int64_t> timeouts_{0};
  std::thread thread_;
};

}  // namespace simclr::server

#endif  // SIMCLR_SERVER_SERVICES_IDLE_WATCHDOG_H_
