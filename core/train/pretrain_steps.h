// The pieces of a pretraining run that read the model: the NT-Xent forward
// over both views, the validation loss, the kNN monitor, and writing a
// checkpoint with its metrics (retention applied, the event emitted).
#ifndef SIMCLR_CORE_TRAIN_PRETRAIN_STEPS_H_
#define SIMCLR_CORE_TRAIN_PRETRAIN_STEPS_H_

#include <cstdint>
#include <optional>

#include "absl/status/statusor.h"
#include "c10/core/Device.h"
#include "core/common/event_sink.h"
#include "core/runtime/job_run.h"
#include "core/train/checkpoint.h"
#include "core/train/nt_xent.h"
#include "core/train/pretrain_setup.h"
#include "torch/script.h"

namespace simclr::core {

// NT-Xent on both views through `encoder` (job.train_module, or
// job.encoder.module for validation) and the head, in one forward pass so
// BatchNorm sees the 2B views together (as the official implementation).
// With mixed precision on CUDA the forward is autocast and the loss is
// computed in float32. With `ranks`, the projections of every rank are
// gathered and this rank's anchors are scored against all of them (global
// negatives); the loss is this rank's share (NtXentLossForAnchors).
absl::StatusOr<NtXentResult> PretrainForward(PretrainJob& job, torch::jit::Module& encoder,
                                             const TwoViewBatch& batch, c10::Device device,
                                             RankGroup* ranks);

// Mean NT-Xent over the validation split; none without one.
std::optional<double> ValidationLoss(PretrainJob& job, c10::Device device);

// kNN top-1 of the validation images against the bank; none without one.
std::optional<double> KnnAccuracy(PretrainJob& job, c10::Device device);

struct CheckpointMetrics {
  double train_loss = 0;
  std::optional<double> val_loss;
  std::optional<double> knn_top1;
  bool is_best = false;
};

// Writes checkpoint `progress.step`, keeps what the retention policy keeps
// (the best at `best_step`, updated when this one is the best) and emits
// the CheckpointSaved event.
absl::Status SavePretrainCheckpoint(PretrainJob& job, const JobRun& run,
                                    const TrainingProgress& progress,
                                    const CheckpointMetrics& metrics,
                                    std::optional<int64_t>& best_step, EventSink& events);

}  // namespace simclr::core

#endif  // SIMCLR_CORE_TRAIN_PRETRAIN_STEPS_H_
