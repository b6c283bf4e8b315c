// SHA-256 of files, as lower-case hex (OpenSSL's EVP digest).
#ifndef SIMCLR_CORE_COMMON_SHA256_H_
#define SIMCLR_CORE_COMMON_SHA256_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace simclr::core {

absl::StatusOr<std::string> Sha256OfFile(const std::string& path);
std::string Sha256OfBytes(absl::string_view bytes);

}  // namespace simclr::core

#endif  // SIMCLR_CORE_COMMON_SHA256_H_
