#include "server/auth/token_auth.h"

#include <fstream>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace simclr::server {
namespace {

// Compares in time independent of where the strings differ.
bool SameSecret(absl::string_view a, absl::string_view b) {
  unsigned char difference = a.size() == b.size() ? 0 : 1;
  for (size_t i = 0; i < a.size(); ++i) {
    difference |= static_cast<unsigned char>(a[i] ^ b[i % (b.empty() ? 1 : b.size())]);
  }
  return difference == 0 && !b.empty();
}

}  // namespace

absl::StatusOr<std::unique_ptr<TokenAuthenticator>> TokenAuthenticator::Load(
    const std::string& path) {
  std::ifstream in(path);
  if (!in) {
    return absl::FailedPreconditionError(
        absl::StrCat("--auth_tokens_file ", path, ": cannot read"));
  }
  std::vector<std::string> tokens;
  std::string line;
  while (std::getline(in, line)) {
    const std::string token(absl::StripAsciiWhitespace(line));
    if (!token.empty() && token[0] != '#') tokens.push_back(token);
  }
  if (tokens.empty()) {
    return absl::FailedPreconditionError(
        absl::StrCat("--auth_tokens_file ", path, ": holds no token"));
  }
  return std::unique_ptr<TokenAuthenticator>(new TokenAuthenticator(std::move(tokens)));
}

grpc::Status TokenAuthenticator::Check(const grpc::ServerContextBase& context) const {
  const auto& metadata = context.client_metadata();
  auto it = metadata.find("authorization");
  constexpr absl::string_view kBearer = "Bearer ";
  if (it == metadata.end() ||
      !absl::StartsWith(absl::string_view(it->second.data(), it->second.size()), kBearer)) {
    return grpc::Status(grpc::StatusCode::UNAUTHENTICATED,
                        "missing \"authorization: Bearer <token>\" metadata");
  }
  const absl::string_view given(it->second.data() + kBearer.size(),
                                it->second.size() - kBearer.size());
  bool known = false;
  for (const auto& token : tokens_) known |= SameSecret(given, token);
  if (!known) {
    return grpc::Status(grpc::StatusCode::UNAUTHENTICATED, "unknown bearer token");
  }
  return grpc::Status::OK;
}

grpc::Status Authorize(const TokenAuthenticator* auth, const grpc::ServerContextBase* context) {
  return auth == nullptr ? grpc::Status::OK : auth->Check(*context);
}

}  // namespace simclr::server
