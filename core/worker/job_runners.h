// What runs each job kind in the worker: the runner column of the job-kind
// table (core/spec/job_kinds.h). It lives here, apart from the table,
// because runners need the engine (LibTorch) and the table must not.
#ifndef SIMCLR_CORE_WORKER_JOB_RUNNERS_H_
#define SIMCLR_CORE_WORKER_JOB_RUNNERS_H_

#include "absl/status/status.h"
#include "core/common/event_sink.h"
#include "core/runtime/job_run.h"
#include "simclr/v1/job.pb.h"
#include "simclr/v1/job_spec.pb.h"

namespace simclr::core {

using JobRunner = absl::Status (*)(const v1::JobSpec& spec, const JobRun& run,
                                   EventSink& events);

// Null for a kind without a runner (a test holds every kind to one).
JobRunner RunnerFor(v1::JobKind kind);

}  // namespace simclr::core

#endif  // SIMCLR_CORE_WORKER_JOB_RUNNERS_H_
