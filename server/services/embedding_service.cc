#include "server/services/embedding_service.h"

#include <atomic>
#include <chrono>
#include <deque>
#include <memory>

#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "proto/grpc_status_conversion.h"
#include "server/auth/token_auth.h"
#include "server/embedding/embedding_runtime.h"
#include "server/metrics/embed_metrics.h"

namespace simclr::server {
namespace {

absl::Time Deadline(const grpc::CallbackServerContext& context) {
  const auto deadline = context.deadline();
  if (deadline == std::chrono::system_clock::time_point::max()) {
    return absl::InfiniteFuture();
  }
  return absl::FromChrono(deadline);
}

void RecordDenied(EmbedMetrics* metrics, absl::StatusCode code) {
  if (metrics != nullptr) metrics->RecordRequest(code);
}

// The access check of one request, for the principal of its call. A
// request the runtime refuses anyway gets its refusal, owner or not, so
// that the answer never depends on whose model it names.
absl::Status CheckAccess(const ModelAccess& access, const v1::EmbedRequest& request,
                         const Principal& who) {
  if (!access || !EmbeddingRuntime::CheckRequest(request).ok()) return absl::OkStatus();
  return access(request.model(), who);
}

// Unary: finishes when the runtime calls back; OnCancel marks the request
// so that it never reaches the model if its batch has not formed yet.
class EmbedReactor final : public grpc::ServerUnaryReactor {
 public:
  EmbedReactor() : cancelled_(std::make_shared<std::atomic<bool>>(false)) {}

  void Start(EmbeddingRuntime* runtime,
             const grpc::CallbackServerContext& context,
             const v1::EmbedRequest* request, v1::EmbedResponse* response) {
    runtime->Embed(
        request, response, Deadline(context), cancelled_,
        [this](const absl::Status& status) { Finish(ToGrpcStatus(status)); });
  }

  void OnCancel() override { cancelled_->store(true); }
  void OnDone() override { delete this; }

 private:
  const std::shared_ptr<std::atomic<bool>> cancelled_;
};

// Bidirectional: reads while fewer than kStreamWindow requests are in
// flight, writes responses strictly in request order, one write at a time.
// Deleted once gRPC is done with it and no runtime callback is pending.
class EmbedStreamReactor final
    : public grpc::ServerBidiReactor<v1::EmbedRequest, v1::EmbedResponse> {
 public:
  EmbedStreamReactor(EmbeddingRuntime* runtime, absl::Time deadline, ModelAccess access,
                     Principal who, EmbedMetrics* metrics)
      : runtime_(runtime),
        deadline_(deadline),
        access_(std::move(access)),
        who_(std::move(who)),
        metrics_(metrics),
        cancelled_(std::make_shared<std::atomic<bool>>(false)) {
    absl::MutexLock lock(&mu_);
    StartNextReadLocked();
  }

  void OnReadDone(bool ok) override {
    Slot* slot = nullptr;
    {
      absl::MutexLock lock(&mu_);
      reading_ = false;
      if (!ok || finished_) {
        reads_done_ = true;
        reading_slot_.reset();
        MaybeWriteLocked();
        return;
      }
      slots_.push_back(std::move(reading_slot_));
      slot = slots_.back().get();
      ++pending_;
      if (slots_.size() <
          static_cast<size_t>(EmbeddingServiceImpl::kStreamWindow)) {
        StartNextReadLocked();
      }
    }
    if (auto denied = CheckAccess(access_, slot->request, who_); !denied.ok()) {
      RecordDenied(metrics_, denied.code());
      OnEmbedded(slot, std::move(denied));
      return;
    }
    runtime_->Embed(&slot->request, &slot->response, deadline_, cancelled_,
                    [this, slot](absl::Status status) {
                      OnEmbedded(slot, std::move(status));
                    });
  }

  void OnWriteDone(bool ok) override {
    absl::MutexLock lock(&mu_);
    writing_ = false;
    slots_.pop_front();
    if (!ok) {  // the client went away
      FinishLocked(
          grpc::Status(grpc::StatusCode::CANCELLED, "stream write failed"));
      return;
    }
    if (!reading_ && !reads_done_ && !finished_ &&
        slots_.size() <
            static_cast<size_t>(EmbeddingServiceImpl::kStreamWindow)) {
      StartNextReadLocked();
    }
    MaybeWriteLocked();
  }

  void OnCancel() override {
    cancelled_->store(true);
    absl::MutexLock lock(&mu_);
    // Never finish under a write in flight; OnWriteDone(false) will.
    if (!writing_)
      FinishLocked(grpc::Status(grpc::StatusCode::CANCELLED, "cancelled"));
  }

  void OnDone() override {
    bool last;
    {
      absl::MutexLock lock(&mu_);
      grpc_done_ = true;
      last = pending_ == 0;
    }
    if (last) delete this;
  }

 private:
  struct Slot {
    v1::EmbedRequest request;
    v1::EmbedResponse response;
    bool answered = false;
    absl::Status status;
  };

  void OnEmbedded(Slot* slot, absl::Status status) {
    bool last;
    {
      absl::MutexLock lock(&mu_);
      slot->answered = true;
      slot->status = std::move(status);
      --pending_;
      MaybeWriteLocked();
      last = grpc_done_ && pending_ == 0;
    }
    if (last) delete this;
  }

  void StartNextReadLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    reading_ = true;
    reading_slot_ = std::make_unique<Slot>();
    StartRead(&reading_slot_->request);
  }

  void MaybeWriteLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    if (writing_ || finished_) return;
    if (slots_.empty()) {
      if (reads_done_) FinishLocked(grpc::Status::OK);
      return;
    }
    Slot& next = *slots_.front();
    if (!next.answered) return;
    if (!next.status.ok()) {
      FinishLocked(ToGrpcStatus(next.status));
      return;
    }
    writing_ = true;
    StartWrite(&next.response);
  }

  void FinishLocked(const grpc::Status& status)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    if (finished_) return;
    finished_ = true;
    cancelled_->store(true);  // whatever is still queued need not run
    Finish(status);
  }

  EmbeddingRuntime* const runtime_;
  const absl::Time deadline_;
  const ModelAccess access_;
  const Principal who_;
  EmbedMetrics* const metrics_;
  const std::shared_ptr<std::atomic<bool>> cancelled_;

  absl::Mutex mu_;
  std::unique_ptr<Slot> reading_slot_ ABSL_GUARDED_BY(mu_);
  std::deque<std::unique_ptr<Slot>> slots_
      ABSL_GUARDED_BY(mu_);               // request order
  int pending_ ABSL_GUARDED_BY(mu_) = 0;  // runtime callbacks still to come
  bool reading_ ABSL_GUARDED_BY(mu_) = false;
  bool reads_done_ ABSL_GUARDED_BY(mu_) = false;
  bool writing_ ABSL_GUARDED_BY(mu_) = false;
  bool finished_ ABSL_GUARDED_BY(mu_) = false;
  bool grpc_done_ ABSL_GUARDED_BY(mu_) = false;
};

}  // namespace

grpc::ServerUnaryReactor* EmbeddingServiceImpl::Embed(
    grpc::CallbackServerContext* context, const v1::EmbedRequest* request,
    v1::EmbedResponse* response) {
  Principal who;
  grpc::Status denied = Authenticate(auth_, context, &who);
  if (denied.ok()) denied = ToGrpcStatus(CheckAccess(access_, *request, who));
  if (!denied.ok()) {
    RecordDenied(metrics_, static_cast<absl::StatusCode>(denied.error_code()));
    auto* reactor = context->DefaultReactor();
    reactor->Finish(denied);
    return reactor;
  }
  auto* reactor = new EmbedReactor();
  reactor->Start(runtime_, *context, request, response);
  return reactor;
}

grpc::ServerBidiReactor<v1::EmbedRequest, v1::EmbedResponse>*
EmbeddingServiceImpl::EmbedStream(grpc::CallbackServerContext* context) {
  Principal who;
  if (auto denied = Authenticate(auth_, context, &who); !denied.ok()) {
    RecordDenied(metrics_, absl::StatusCode::kUnauthenticated);
    class Refused final
        : public grpc::ServerBidiReactor<v1::EmbedRequest, v1::EmbedResponse> {
     public:
      explicit Refused(const grpc::Status& status) { Finish(status); }
      void OnDone() override { delete this; }
    };
    return new Refused(denied);
  }
  return new EmbedStreamReactor(runtime_, Deadline(*context), access_, std::move(who),
                                metrics_);
}

}  // namespace simclr::server
