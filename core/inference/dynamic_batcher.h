// The embedding endpoint's dynamic batcher (Triton's policy): requests for
// the same encoder are merged into one forward of up to `max_batch` images.
// A batch runs as soon as it is full, or when its oldest request has waited
// `max_queue_delay`. Each of `lanes` threads forms and runs its own batches,
// with LibTorch's intra-op threads inside each forward.
//
// A task whose caller cancelled it or whose deadline passed before its
// batch formed never runs on the model: it completes with CANCELLED or
// DEADLINE_EXCEEDED. The queue itself is unbounded; the service admits
// requests against its own bound before they get here. Torch-free header.
#ifndef SIMCLR_CORE_INFERENCE_DYNAMIC_BATCHER_H_
#define SIMCLR_CORE_INFERENCE_DYNAMIC_BATCHER_H_

#include <atomic>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "core/inference/loaded_encoder.h"

namespace simclr::core {

struct EmbedOutput {
  std::vector<float> vectors;  // count × feature_dim, row-major
  absl::Duration queued;       // from Submit to its batch starting
  absl::Duration compute;      // its batch's forward
  int64_t batch_images = 0;    // images in that batch
};

struct EmbedTask {
  std::shared_ptr<const LoadedEncoder> model;
  std::vector<float> inputs;  // count × model->input().values()
  int64_t count = 0;
  bool l2_normalize = false;
  absl::Time deadline = absl::InfiniteFuture();
  std::shared_ptr<const std::atomic<bool>> cancelled;  // may be null
  // Called exactly once, on a lane thread (or in Stop()).
  std::function<void(absl::StatusOr<EmbedOutput>)> done;
};

struct BatcherOptions {
  int64_t max_batch = 64;
  absl::Duration max_queue_delay = absl::Microseconds(500);
  int lanes = 1;
  // Called after every forward, with its images and duration (metrics).
  std::function<void(int64_t images, absl::Duration compute)> on_batch;
};

class DynamicBatcher {
 public:
  explicit DynamicBatcher(BatcherOptions options);
  ~DynamicBatcher();

  DynamicBatcher(const DynamicBatcher&) = delete;
  DynamicBatcher& operator=(const DynamicBatcher&) = delete;

  // Queues `task`; UNAVAILABLE after Stop (then `done` is not called).
  absl::Status Submit(EmbedTask task);
  // Completes every queued task with UNAVAILABLE, lets running batches
  // finish, and joins the lanes. Idempotent.
  void Stop();

  int64_t queued_images() const;

 private:
  struct Queued {
    EmbedTask task;
    absl::Time enqueued;
    uint64_t sequence = 0;
  };
  void RunLane();
  // True when the oldest task's model has a full batch queued, or stopping.
  bool HeadBatchFull() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void RunBatch(std::vector<Queued> batch, std::vector<float>& buffer);

  const BatcherOptions options_;
  mutable absl::Mutex mu_;
  std::deque<Queued> queue_ ABSL_GUARDED_BY(mu_);
  // Images queued per model: makes HeadBatchFull O(log models).
  std::map<const LoadedEncoder*, int64_t> images_by_model_ ABSL_GUARDED_BY(mu_);
  int64_t queued_images_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t next_sequence_ ABSL_GUARDED_BY(mu_) = 0;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  absl::Mutex stop_mu_;  // serialises Stop(): lanes are joined once
  std::vector<std::thread> lanes_ ABSL_GUARDED_BY(stop_mu_);
};

}  // namespace simclr::core

#endif  // SIMCLR_CORE_INFERENCE_DYNAMIC_BATCHER_H_
