// Who makes a call, and what they may see. Every dataset, job, checkpoint
// and model records its owner; a user acts on their own objects only, an
// admin on all. Another user's object answers exactly as an unknown id
// (NOT_FOUND), so ids cannot be probed.
#ifndef SIMCLR_SERVER_AUTH_PRINCIPAL_H_
#define SIMCLR_SERVER_AUTH_PRINCIPAL_H_

#include <string>

#include "absl/strings/string_view.h"

namespace simclr::server {

// The owner of everything on a server without --auth_tokens_file, and of
// records stored before owners existed.
inline constexpr absl::string_view kLocalPrincipal = "local";

struct Principal {
  std::string name;
  bool admin = false;
};

// The single user of a server without a tokens file: it sees everything.
inline Principal LocalPrincipal() { return Principal{std::string(kLocalPrincipal), true}; }

// A stored owner; records from before owners existed have none.
inline absl::string_view OwnerOf(absl::string_view stored) {
  return stored.empty() ? kLocalPrincipal : stored;
}

inline bool MayAccess(const Principal& who, absl::string_view owner) {
  return who.admin || OwnerOf(owner) == who.name;
}

// A principal's name: 1 to 64 of [A-Za-z0-9._@-], so that it is safe in a
// key, a log line and a label.
bool IsPrincipalName(absl::string_view name);

}  // namespace simclr::server

#endif  // SIMCLR_SERVER_AUTH_PRINCIPAL_H_
