// SimCLR pretraining of one job, as simclr-worker runs it.
//
// Reads the data, builds (or, on resume, loads) the encoder and projection
// head, and trains with NT-Xent over gradual-unfreezing rounds, emitting
// JobEvents (progress every log_every_steps, a summary per epoch with
// validation loss and kNN top-1, each checkpoint). Checkpoints follow the
// spec's policy; see checkpoint.h.
//
// Stopping: when *stop becomes true (SIGTERM), the current step finishes, a
// checkpoint is written and ABORTED is returned; RunPretraining with
// resume = true continues from it exactly (same batches, weights, optimizer
// and schedule). A NaN or infinite loss ends the run with
// FAILED_PRECONDITION naming the step.
#ifndef SIMCLR_CORE_TRAIN_PRETRAINER_H_
#define SIMCLR_CORE_TRAIN_PRETRAINER_H_

#include <atomic>
#include <string>

#include "absl/status/status.h"
#include "c10/core/Device.h"
#include "core/common/event_sink.h"
#include "simclr/v1/job_spec.pb.h"

namespace simclr::core {

struct PretrainRun {
  // Where checkpoints go; created if missing.
  std::string job_dir;
  // Relative data paths in the spec are taken from here.
  std::string spec_dir;
  c10::Device device = c10::Device(c10::DeviceType::CPU);
  // Continue from the newest checkpoint in job_dir (a fresh start if none).
  bool resume = false;
  // Set asynchronously to request a checkpoint-and-stop; may be null.
  const std::atomic<bool>* stop = nullptr;
};

absl::Status RunPretraining(const v1::JobSpec& spec, const PretrainRun& run,
                            EventSink& events);

}  // namespace simclr::core

#endif  // SIMCLR_CORE_TRAIN_PRETRAINER_H_
