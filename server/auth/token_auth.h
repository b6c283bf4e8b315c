// Bearer-token authentication for the simclr.v1 services and reflection.
//
// --auth_tokens_file holds lines "TOKEN PRINCIPAL [ROLE]" (ROLE user, the
// default, or admin; '#' starts a comment line). Every call must carry
// "authorization: Bearer <token>" naming one of them, or it is answered
// UNAUTHENTICATED; grpc.health.v1 stays open for probes. Reload() (SIGHUP)
// swaps in the file's new table; calls already authenticated keep their
// principal, and a file that no longer parses keeps the old table.
#ifndef SIMCLR_SERVER_AUTH_TOKEN_AUTH_H_
#define SIMCLR_SERVER_AUTH_TOKEN_AUTH_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "grpcpp/server_context.h"
#include "server/auth/principal.h"

namespace simclr::server {

struct TokenEntry {
  std::string token;
  Principal principal;
};

// Parses a tokens file's text. INVALID_ARGUMENT naming the line (never
// quoting a token) for a malformed line, a token shorter than 8 or longer
// than 512 bytes, a bad principal name or role, a repeated token, or no
// token at all.
absl::StatusOr<std::vector<TokenEntry>> ParseTokens(absl::string_view text);

class TokenAuthenticator {
 public:
  // FAILED_PRECONDITION naming the file if it cannot be read or parsed.
  static absl::StatusOr<std::unique_ptr<TokenAuthenticator>> Load(const std::string& path);

  // Rereads the file; on failure the current table stays.
  absl::Status Reload();
  // The caller's principal, or UNAUTHENTICATED.
  grpc::Status Authenticate(const grpc::ServerContextBase& context, Principal* who) const;
  // The same, from the raw "authorization" value (the reflection gate).
  grpc::Status AuthenticateHeader(absl::string_view authorization, bool present,
                                  Principal* who) const;
  size_t size() const;

 private:
  explicit TokenAuthenticator(std::string path) : path_(std::move(path)) {}
  absl::StatusOr<std::vector<TokenEntry>> Read() const;

  const std::string path_;
  mutable absl::Mutex mu_;
  std::vector<TokenEntry> entries_ ABSL_GUARDED_BY(mu_);
};

// The caller's principal: LocalPrincipal() when `auth` is null
// (authentication off), else auth->Authenticate.
grpc::Status Authenticate(const TokenAuthenticator* auth, const grpc::ServerContextBase* context,
                          Principal* who);

}  // namespace simclr::server

#endif  // SIMCLR_SERVER_AUTH_TOKEN_AUTH_H_
