// Bearer-token authentication for the simclr.v1 services: with
// --auth_tokens_file, every call must carry "authorization: Bearer <token>"
// metadata naming one of the file's tokens, or it is answered
// UNAUTHENTICATED. grpc.health.v1 stays open for probes.
#ifndef SIMCLR_SERVER_AUTH_TOKEN_AUTH_H_
#define SIMCLR_SERVER_AUTH_TOKEN_AUTH_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "grpcpp/server_context.h"

namespace simclr::server {

class TokenAuthenticator {
 public:
  // One token per line; blank lines and lines starting with '#' are
  // skipped. FAILED_PRECONDITION naming the file if it cannot be read or
  // holds no token.
  static absl::StatusOr<std::unique_ptr<TokenAuthenticator>> Load(const std::string& path);

  grpc::Status Check(const grpc::ServerContextBase& context) const;

 private:
  explicit TokenAuthenticator(std::vector<std::string> tokens)
      : tokens_(std::move(tokens)) {}
  std::vector<std::string> tokens_;
};

// OK when `auth` is null (authentication off), else auth->Check(context).
grpc::Status Authorize(const TokenAuthenticator* auth, const grpc::ServerContextBase* context);

}  // namespace simclr::server

#endif  // SIMCLR_SERVER_AUTH_TOKEN_AUTH_H_
