// LINEAR_EVAL jobs: frozen features of each subject, then a multinomial
// logistic regression per (label fraction, repeat), its C chosen by
// cross-validation, scored on the test images. Writes report.json and
// report.md into the job folder (see eval_report.h).
#ifndef SIMCLR_CORE_EVAL_LINEAR_EVAL_JOB_H_
#define SIMCLR_CORE_EVAL_LINEAR_EVAL_JOB_H_

#include "absl/status/status.h"
#include "core/common/event_sink.h"
#include "core/runtime/job_run.h"
#include "simclr/v1/job_spec.pb.h"

namespace simclr::core {

// ABORTED when run.stop is set (between runs; nothing to resume from).
absl::Status RunLinearEval(const v1::JobSpec& spec, const JobRun& run,
                           EventSink& events);

}  // namespace simclr::core

#endif  // SIMCLR_CORE_EVAL_LINEAR_EVAL_JOB_H_
