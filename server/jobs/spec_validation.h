// Everything SubmitJob checks before a job is queued, so that a bad spec is
// refused up front with INVALID_ARGUMENT naming the field and the reason
// (and a spec naming data the server does not have gets
// FAILED_PRECONDITION), instead of failing minutes later in a worker.
#ifndef SIMCLR_SERVER_JOBS_SPEC_VALIDATION_H_
#define SIMCLR_SERVER_JOBS_SPEC_VALIDATION_H_

#include "absl/status/status.h"
#include "simclr/v1/job.pb.h"
#include "simclr/v1/job_spec.pb.h"

namespace simclr::server {

absl::Status ValidateJobSpec(const v1::JobSpec& spec);

// The kind of a spec's oneof; JOB_KIND_UNSPECIFIED when none is set.
v1::JobKind KindOf(const v1::JobSpec& spec);

}  // namespace simclr::server

#endif  // SIMCLR_SERVER_JOBS_SPEC_VALIDATION_H_
