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

#include "absl/status/status.h"
#include "core/common/event_sink.h"
#include "core/runtime/job_run.h"
#include "simclr/v1/job_spec.pb.h"

namespace simclr::core {

absl::Status RunPretraining(const v1::JobSpec& spec, const JobRun& run,
                            EventSink& events);

}  // namespace simclr::core

#endif  // SIMCLR_CORE_TRAIN_PRETRAINER_H_
