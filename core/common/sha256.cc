#include "core/common/sha256.h"

#include <fstream>
#include <memory>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include <openssl/evp.h>

namespace simclr::core {
namespace {

struct DigestFree {
  void operator()(EVP_MD_CTX* context) const { EVP_MD_CTX_free(context); }
};
using Digest = std::unique_ptr<EVP_MD_CTX, DigestFree>;

Digest NewDigest() {
  Digest digest(EVP_MD_CTX_new());
  EVP_DigestInit_ex(digest.get(), EVP_sha256(), nullptr);
  return digest;
}

std::string Finish(EVP_MD_CTX* context) {
  unsigned char hash[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_DigestFinal_ex(context, hash, &length);
  return absl::BytesToHexString(
      absl::string_view(reinterpret_cast<const char*>(hash), length));
}

}  // namespace

absl::StatusOr<std::string> Sha256OfFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat(path, ": cannot open"));
  Digest digest = NewDigest();
  std::vector<char> buffer(1 << 20);
  while (in) {
    in.read(buffer.data(), static_cast<std::streamsize>(buffer.size()));
    EVP_DigestUpdate(digest.get(), buffer.data(),
                     static_cast<size_t>(in.gcount()));
  }
  if (in.bad()) return absl::DataLossError(absl::StrCat(path, ": read failed"));
  return Finish(digest.get());
}

Sha256Hasher::Sha256Hasher() : context_(NewDigest().release()) {}
Sha256Hasher::~Sha256Hasher() { EVP_MD_CTX_free(static_cast<EVP_MD_CTX*>(context_)); }
void Sha256Hasher::Update(absl::string_view bytes) {
  EVP_DigestUpdate(static_cast<EVP_MD_CTX*>(context_), bytes.data(), bytes.size());
}
std::string Sha256Hasher::Finish() {
  return simclr::core::Finish(static_cast<EVP_MD_CTX*>(context_));
}

std::string Sha256OfBytes(absl::string_view bytes) {
  Digest digest = NewDigest();
  EVP_DigestUpdate(digest.get(), bytes.data(), bytes.size());
  return Finish(digest.get());
}

}  // namespace simclr::core
