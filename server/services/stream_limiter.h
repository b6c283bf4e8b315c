// A cap on the open streams of one kind (uploads, watches): each holds a
// server thread for as long as the client keeps it open, so past the cap a
// new one is refused with RESOURCE_EXHAUSTED naming the flag.
#ifndef SIMCLR_SERVER_SERVICES_STREAM_LIMITER_H_
#define SIMCLR_SERVER_SERVICES_STREAM_LIMITER_H_

#include <atomic>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "grpcpp/support/status.h"

namespace simclr::server {

class StreamLimiter {
 public:
  // `what`: "upload streams"; `flag`: "--max_upload_streams".
  StreamLimiter(std::string what, std::string flag, int max)
      : what_(std::move(what)), flag_(std::move(flag)), max_(max) {}

  // Holds one slot while it lives.
  class Slot {
   public:
    Slot() = default;
    Slot(const Slot&) = delete;
    Slot& operator=(Slot&& other) noexcept {
      Release();
      limiter_ = std::exchange(other.limiter_, nullptr);
      return *this;
    }
    ~Slot() { Release(); }

   private:
    friend class StreamLimiter;
    explicit Slot(StreamLimiter* limiter) : limiter_(limiter) {}
    void Release() {
      if (limiter_ != nullptr) limiter_->open_.fetch_sub(1);
      limiter_ = nullptr;
    }
    StreamLimiter* limiter_ = nullptr;
  };

  // A slot in `*slot`, or RESOURCE_EXHAUSTED when `max` are open.
  grpc::Status Acquire(Slot* slot) {
    if (open_.fetch_add(1) >= max_) {
      open_.fetch_sub(1);
      return grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED,
                          absl::StrCat(max_, " ", what_, " are open (", flag_,
                                       "); retry with backoff"));
    }
    *slot = Slot(this);
    return grpc::Status::OK;
  }

  int open() const { return open_.load(); }

 private:
  const std::string what_, flag_;
  const int max_;
  std::atomic<int> open_{0};
};

}  // namespace simclr::server

#endif  // SIMCLR_SERVER_SERVICES_STREAM_LIMITER_H_
