#include "core/common/io_errors.h"

#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"

namespace simclr::core {

absl::Status WriteError(absl::string_view what, int error_number) {
  if (error_number == ENOSPC || error_number == EDQUOT) {
    return absl::ResourceExhaustedError(
        absl::StrCat(what, ": the server's disk is full (", std::strerror(error_number), ")"));
  }
  return absl::InternalError(absl::StrCat(
      what, error_number != 0 ? absl::StrCat(": ", std::strerror(error_number)) : ""));
}

}  // namespace simclr::core
