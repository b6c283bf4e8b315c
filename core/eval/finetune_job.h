// FINETUNE jobs: for each subject, label fraction and repeat, a fresh copy
// of the encoder plus a classifier head is trained end to end through the
// gradual-unfreezing rounds (a new optimizer each round, as the ancestor
// recompiled its Keras model), with early stopping on the validation loss
// (restoring the best epoch's weights by default), then scored on the test
// images. Writes report.json and report.md (see eval_report.h).
#ifndef SIMCLR_CORE_EVAL_FINETUNE_JOB_H_
#define SIMCLR_CORE_EVAL_FINETUNE_JOB_H_

#include "absl/status/status.h"
#include "core/common/event_sink.h"
#include "core/runtime/job_run.h"
#include "simclr/v1/job_spec.pb.h"

namespace simclr::core {

// FAILED_PRECONDITION if a loss turns NaN or infinite; ABORTED when
// run.stop is set.
absl::Status RunFinetune(const v1::JobSpec& spec, const JobRun& run,
                         EventSink& events);

}  // namespace simclr::core

#endif  // SIMCLR_CORE_EVAL_FINETUNE_JOB_H_
