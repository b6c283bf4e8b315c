#include "core/runtime/job_run.h"

#include <filesystem>
#include <system_error>

#include "absl/strings/str_cat.h"

namespace simclr::core {

absl::Status CreateJobDir(const std::string& job_dir) {
  std::error_code error;
  std::filesystem::create_directories(job_dir, error);
  if (error) {
    return absl::FailedPreconditionError(absl::StrCat(
        "job dir ", job_dir, ": cannot create: ", error.message()));
  }
  return absl::OkStatus();
}

}  // namespace simclr::core
