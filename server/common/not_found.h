// The one NOT_FOUND answer for each kind of id. An object of another user
// answers with exactly the same text as an id that does not exist, so that
// ids cannot be probed: every path that refuses an id uses these.
#ifndef SIMCLR_SERVER_COMMON_NOT_FOUND_H_
#define SIMCLR_SERVER_COMMON_NOT_FOUND_H_

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"

namespace simclr::server {

inline absl::Status JobNotFound(absl::string_view id) {
  return absl::NotFoundError(absl::StrCat("job ", id, " not found"));
}

inline absl::Status DatasetNotFound(absl::string_view id) {
  return absl::NotFoundError(absl::StrCat("dataset ", id, " not found"));
}

inline absl::Status CheckpointNotFound(absl::string_view id) {
  return absl::NotFoundError(absl::StrCat("checkpoint ", id, " not found"));
}

inline absl::Status ModelNotFound(absl::string_view id) {
  return absl::NotFoundError(absl::StrCat("model ", id, " not found"));
}

}  // namespace simclr::server

#endif  // SIMCLR_SERVER_COMMON_NOT_FOUND_H_
