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

#include <functional>
#include <string>

#include "absl/status/status.h"
#include "simclr/v1/job_spec.pb.h"

namespace simclr::server {

// Whether this machine has a device ("" is the server's default): the
// server asks LibTorch (core::ResolveDevice); kept a function so this
// library stays torch-free.
using DeviceCheck = std::function<absl::Status(const std::string& device)>;

// What only this server can tell, on the worker's copy of a valid spec
// (dataset and checkpoint ids already resolved to its paths). A null
// `check_device` accepts every device name ValidateJobSpec accepted.
absl::Status CheckServerCanRun(const v1::JobSpec& worker_spec,
                               const DeviceCheck& check_device);

}  // namespace simclr::server

#endif  // SIMCLR_SERVER_JOBS_SPEC_VALIDATION_H_
