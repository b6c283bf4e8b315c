#include "server/jobs/spec_validation.h"

#include <unistd.h>

#include <string>

#include "absl/strings/str_cat.h"
#include "core/common/field_error.h"
#include "core/common/status_macros.h"
#include "core/spec/job_kinds.h"

namespace simclr::server {
namespace {

absl::Status Invalid(const std::string& field, const std::string& reason) {
  return core::FieldError(absl::StrCat("spec.", field), reason);
}

// A data source must name data this server can read.
absl::Status CheckSource(const std::string& field, const v1::DataSource& source) {
  switch (source.source_case()) {
    case v1::DataSource::SOURCE_NOT_SET:
      return absl::OkStatus();
    case v1::DataSource::kDatasetId:
      return core::FieldError(
          absl::StrCat("spec.", field, ".dataset_id"),
          absl::StrCat("dataset ", source.dataset_id(),
                       " is not known to this server"),
          absl::StatusCode::kFailedPrecondition);
    case v1::DataSource::kLocal:
      for (const auto& [name, path] :
           {std::pair<std::string, std::string>{"path", source.local().path()},
            {"labels_path", source.local().labels_path()}}) {
        const std::string at = absl::StrCat(field, ".local.", name);
        if (!path.empty() && path[0] != '/') {
          return Invalid(at, absl::StrCat(path, " must be an absolute path on the server"));
        }
        if (!path.empty() && access(path.c_str(), R_OK) != 0) {
          return core::FieldError(absl::StrCat("spec.", at),
                                  absl::StrCat(path, " is not readable on the server"),
                                  absl::StatusCode::kFailedPrecondition);
        }
      }
      return absl::OkStatus();
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status CheckServerCanRun(const v1::JobSpec& spec, const DeviceCheck& check_device) {
  if (check_device != nullptr) {
    if (auto device = check_device(spec.device()); !device.ok()) {
      return Invalid("device", std::string(device.message()));
    }
  }
  const core::JobKindInfo& kind = *core::FindJobKind(spec);
  const v1::DataConfig& data = kind.data(spec);
  const std::string field = absl::StrCat(kind.name, ".data");
  SIMCLR_RETURN_IF_ERROR(CheckSource(field + ".train", data.train()));
  return CheckSource(field + ".test", data.test());
}

}  // namespace simclr::server
