// The per-principal quota on stored bytes, shared by datasets and models:
// each manager sums its own kind and asks the other for the rest.
#ifndef SIMCLR_SERVER_COMMON_STORAGE_QUOTA_H_
#define SIMCLR_SERVER_COMMON_STORAGE_QUOTA_H_

#include <cstdint>
#include <functional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"

namespace simclr::server {

// What an owner stores of the other kind; null: nothing.
using OtherStoredBytes = std::function<absl::StatusOr<int64_t>(const std::string&)>;

// RESOURCE_EXHAUSTED naming --max_stored_bytes_per_principal when `more`
// bytes on top of the owner's `own` and `other` bytes pass `quota`. Every
// term is at most 2^50 (flag and upload bounds), so the sum cannot overflow.
inline absl::Status CheckStorageQuota(const std::string& owner, int64_t own,
                                      const OtherStoredBytes& other, int64_t more,
                                      int64_t quota) {
  int64_t used = own;
  if (other) {
    auto more_used = other(owner);
    if (!more_used.ok()) return more_used.status();
    used += *more_used;
  }
  if (used + more <= quota) return absl::OkStatus();
  return absl::ResourceExhaustedError(absl::StrCat(
      "quota --max_stored_bytes_per_principal: ", owner, "'s datasets and models take ", used,
      " bytes; ", more, " more would pass the quota of ", quota,
      "; delete a dataset or model first"));
}

}  // namespace simclr::server

#endif  // SIMCLR_SERVER_COMMON_STORAGE_QUOTA_H_
