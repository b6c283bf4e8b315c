// Checkpoints of a pretraining run, in JOB_DIR/checkpoints/<step>/:
//   encoder.pt  TorchScript, saved in eval mode; loads in Python with
//               torch.jit.load and maps NCHW float input to features;
//   state.pt    what exact resume needs beyond the encoder: projection
//               head, optimizer state, counters and schedule states;
//   meta.json   a simclr.v1.Checkpoint in JSON: architecture, input spec,
//               feature dim, metrics, and each file's size and SHA-256.
// A checkpoint is written into a temporary folder and renamed into place,
// so a crash never leaves a half-written one. `checkpoints/best` is a
// symlink to the best checkpoint by validation loss, and `checkpoints/final`
// to the run's result once it has finished.
#ifndef SIMCLR_CORE_TRAIN_CHECKPOINT_H_
#define SIMCLR_CORE_TRAIN_CHECKPOINT_H_

#include <cstdint>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "core/models/encoder.h"
#include "core/models/projection_head.h"
#include "core/train/lr_schedule.h"
#include "core/train/mixed_precision.h"
#include "simclr/v1/checkpoint.pb.h"
#include "torch/optim/optimizer.h"

namespace simclr::core {

// Where training stands: enough to continue exactly.
struct TrainingProgress {
  int64_t step = 0;        // optimizer steps taken
  int64_t epoch = 0;       // current global epoch (0-based)
  int64_t next_batch = 0;  // first batch of `epoch` not yet trained
  ReduceOnPlateau::State plateau;
  EarlyStopping::State stopping;
  double lr = 0;  // for constant and plateau schedules
  DynamicLossScaler::State loss_scaler;  // mixed precision on CUDA
  // Training time spent so far (a budget's clock), across resumes.
  double elapsed_seconds = 0;
};

// Writes checkpoint `progress.step`. `meta` carries the metrics, encoder
// metadata and dataset; files, step and epoch are filled in here. Returns
// the checkpoint folder.
absl::StatusOr<std::string> WriteCheckpoint(const std::string& job_dir,
                                            Encoder& encoder,
                                            ProjectionHead& head,
                                            torch::optim::Optimizer& optimizer,
                                            const TrainingProgress& progress,
                                            v1::Checkpoint meta);

// Keeps the newest `keep_latest` checkpoints and, if `best_step` is set,
// that one (re-pointing checkpoints/best to it); deletes the rest.
absl::Status ApplyRetention(const std::string& job_dir, int keep_latest,
                            std::optional<int64_t> best_step);

// Points checkpoints/final at checkpoint `step`: the run's result (the
// best checkpoint when early stopping restores it, else the last).
absl::Status MarkFinalCheckpoint(const std::string& job_dir, int64_t step);

// The folder of the newest complete checkpoint, or NOT_FOUND.
absl::StatusOr<std::string> LatestCheckpoint(const std::string& job_dir);

// Loads a checkpoint folder: the encoder module (replacing
// encoder->module and its layers) onto the CPU, then the head, optimizer
// and progress mapped onto `device` (the optimizer's parameters' device),
// whatever device wrote them: a CUDA job's checkpoint loads on a CPU-only
// machine.
// The optimizer must have been built over the loaded encoder's parameters
// (call LoadEncoderModule first, then build, then LoadTrainingState).
absl::Status LoadEncoderModule(const std::string& folder, Encoder* encoder);
absl::Status LoadTrainingState(const std::string& folder, ProjectionHead& head,
                               torch::optim::Optimizer& optimizer,
                               TrainingProgress* progress,
                               c10::Device device = c10::Device(c10::kCPU));

}  // namespace simclr::core

#endif  // SIMCLR_CORE_TRAIN_CHECKPOINT_H_
