// Checks of the ids and small fields every RPC takes, at the service edge:
// INVALID_ARGUMENT naming the field before a store or a path sees the value.
#ifndef SIMCLR_SERVER_SERVICES_REQUEST_CHECKS_H_
#define SIMCLR_SERVER_SERVICES_REQUEST_CHECKS_H_

#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "core/common/layout.h"
#include "core/common/utf8.h"
#include "grpcpp/support/status.h"

namespace simclr::server {

inline grpc::Status BadId(absl::string_view field, absl::string_view id,
                          absl::string_view form) {
  return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                      absl::StrCat(field, ": \"", core::SafeText(id, 64),
                                   "\" is not ", form));
}

// Required, "job-" then 1 to 12 hex digits.
inline grpc::Status CheckJobId(absl::string_view field, absl::string_view id) {
  if (id.empty()) {
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, absl::StrCat(field, ": required"));
  }
  if (!core::layout::IsJobId(id)) return BadId(field, id, "a job id (job-…)");
  return grpc::Status::OK;
}

inline grpc::Status CheckDatasetId(absl::string_view field, absl::string_view id) {
  if (id.empty()) {
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, absl::StrCat(field, ": required"));
  }
  if (!core::layout::IsDatasetId(id)) return BadId(field, id, "a dataset id (ds-…)");
  return grpc::Status::OK;
}

inline grpc::Status CheckCheckpointId(absl::string_view field, absl::string_view id) {
  if (id.empty()) {
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, absl::StrCat(field, ": required"));
  }
  if (!core::layout::ParseCheckpointId(id).ok()) {
    return BadId(field, id, "a checkpoint id (ckpt-<job>-<step>)");
  }
  return grpc::Status::OK;
}

}  // namespace simclr::server

#endif  // SIMCLR_SERVER_SERVICES_REQUEST_CHECKS_H_
