// Everything SubmitJob checks before a job is queued, so that a bad spec is
// refused up front with INVALID_ARGUMENT naming the field and the reason
// (and a spec naming data the server does not have gets
// FAILED_PRECONDITION), instead of failing minutes later in a worker.
//
// Every field is checked by core::ValidateJobSpec, the validator the worker
// runs too; this adds only what needs this server: that the spec's data is
// here and readable, that its device exists, and what the server supports.
#ifndef SIMCLR_SERVER_JOBS_SPEC_VALIDATION_H_
#define SIMCLR_SERVER_JOBS_SPEC_VALIDATION_H_

#include "absl/status/status.h"
#include "simclr/v1/job_spec.pb.h"

namespace simclr::server {

// What only this server can tell, on the worker's copy of a valid spec
// (dataset and checkpoint ids already resolved to its paths).
absl::Status CheckServerCanRun(const v1::JobSpec& worker_spec);

}  // namespace simclr::server

#endif  // SIMCLR_SERVER_JOBS_SPEC_VALIDATION_H_
