// SHA-256 of files, as lower-case hex (OpenSSL's EVP digest).
#ifndef SIMCLR_CORE_COMMON_SHA256_H_
#define SIMCLR_CORE_COMMON_SHA256_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace simclr::core {

absl::StatusOr<std::string> Sha256OfFile(const std::string& path);

// SHA-256 over bytes that arrive in pieces (an upload's chunks).
class Sha256Hasher {
 public:
  Sha256Hasher();
  ~Sha256Hasher();
  Sha256Hasher(const Sha256Hasher&) = delete;
  Sha256Hasher& operator=(const Sha256Hasher&) = delete;
  void Update(absl::string_view bytes);
  // Lower-case hex; the hasher is then spent.
  std::string Finish();

 private:
  void* context_;  // EVP_MD_CTX, kept out of the header
};
std::string Sha256OfBytes(absl::string_view bytes);

}  // namespace simclr::core

#endif  // SIMCLR_CORE_COMMON_SHA256_H_
