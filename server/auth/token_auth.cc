#include "server/auth/token_auth.h"

#include <fstream>
#include <set>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace simclr::server {
namespace {

constexpr size_t kMinTokenBytes = 8;
constexpr size_t kMaxTokenBytes = 512;

// Compares in time independent of where the strings differ.
bool SameSecret(absl::string_view a, absl::string_view b) {
  unsigned char difference = a.size() == b.size() ? 0 : 1;
  for (size_t i = 0; i < a.size(); ++i) {
    difference |= static_cast<unsigned char>(a[i] ^ b[i % (b.empty() ? 1 : b.size())]);
  }
  return difference == 0 && !b.empty();
}

absl::Status BadLine(int number, absl::string_view why) {
  return absl::InvalidArgumentError(absl::StrCat("line ", number, ": ", why));
}

absl::StatusOr<TokenEntry> ParseLine(int number, absl::string_view line) {
  const std::vector<absl::string_view> words =
      absl::StrSplit(line, absl::ByAnyChar(" \t"), absl::SkipEmpty());
  if (words.size() < 2 || words.size() > 3) {
    return BadLine(number, "expected TOKEN PRINCIPAL [ROLE]");
  }
  TokenEntry entry;
  if (words[0].size() < kMinTokenBytes || words[0].size() > kMaxTokenBytes) {
    return BadLine(number, absl::StrCat("the token must have ", kMinTokenBytes, " to ",
                                        kMaxTokenBytes, " bytes"));
  }
  entry.token = std::string(words[0]);
  if (!IsPrincipalName(words[1])) {
    return BadLine(number, "the principal must be 1 to 64 of [A-Za-z0-9._@-]");
  }
  entry.principal.name = std::string(words[1]);
  const absl::string_view role = words.size() == 3 ? words[2] : "user";
  if (role != "user" && role != "admin") {
    return BadLine(number, "the role must be user or admin");
  }
  entry.principal.admin = role == "admin";
  return entry;
}

}  // namespace

bool IsPrincipalName(absl::string_view name) {
  if (name.empty() || name.size() > 64) return false;
  for (char c : name) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '_' &&
        c != '@' && c != '-') {
      return false;
    }
  }
  return true;
}

absl::StatusOr<std::vector<TokenEntry>> ParseTokens(absl::string_view text) {
  std::vector<TokenEntry> entries;
  std::set<std::string> seen;
  int number = 0;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    ++number;
    line = absl::StripAsciiWhitespace(line);
    if (line.empty() || line[0] == '#') continue;
    auto entry = ParseLine(number, line);
    if (!entry.ok()) return entry.status();
    if (!seen.insert(entry->token).second) {
      return BadLine(number, "this token is already on an earlier line");
    }
    entries.push_back(*std::move(entry));
  }
  if (entries.empty()) return absl::InvalidArgumentError("holds no token");
  return entries;
}

absl::StatusOr<std::unique_ptr<TokenAuthenticator>> TokenAuthenticator::Load(
    const std::string& path) {
  std::unique_ptr<TokenAuthenticator> auth(new TokenAuthenticator(path));
  auto entries = auth->Read();
  if (!entries.ok()) return entries.status();
  absl::MutexLock lock(&auth->mu_);
  auth->entries_ = *std::move(entries);
  return auth;
}

absl::StatusOr<std::vector<TokenEntry>> TokenAuthenticator::Read() const {
  std::ifstream in(path_);
  std::stringstream text;
  if (!in || !(text << in.rdbuf())) {
    return absl::FailedPreconditionError(
        absl::StrCat("--auth_tokens_file ", path_, ": cannot read"));
  }
  auto entries = ParseTokens(text.str());
  if (!entries.ok()) {
    return absl::FailedPreconditionError(
        absl::StrCat("--auth_tokens_file ", path_, ": ", entries.status().message()));
  }
  return entries;
}

absl::Status TokenAuthenticator::Reload() {
  auto entries = Read();
  if (!entries.ok()) return entries.status();
  absl::MutexLock lock(&mu_);
  entries_ = *std::move(entries);
  return absl::OkStatus();
}

size_t TokenAuthenticator::size() const {
  absl::MutexLock lock(&mu_);
  return entries_.size();
}

grpc::Status TokenAuthenticator::AuthenticateHeader(absl::string_view authorization,
                                                    bool present, Principal* who) const {
  constexpr absl::string_view kBearer = "Bearer ";
  if (!present || !absl::StartsWith(authorization, kBearer)) {
    return grpc::Status(grpc::StatusCode::UNAUTHENTICATED,
                        "missing \"authorization: Bearer <token>\" metadata");
  }
  const absl::string_view given = authorization.substr(kBearer.size());
  absl::MutexLock lock(&mu_);
  const TokenEntry* match = nullptr;
  // Every entry is compared, so the time does not tell which one matched.
  for (const auto& entry : entries_) {
    if (SameSecret(given, entry.token)) match = &entry;
  }
  if (match == nullptr) {
    return grpc::Status(grpc::StatusCode::UNAUTHENTICATED, "unknown bearer token");
  }
  *who = match->principal;
  return grpc::Status::OK;
}

grpc::Status TokenAuthenticator::Authenticate(const grpc::ServerContextBase& context,
                                              Principal* who) const {
  const auto& metadata = context.client_metadata();
  auto it = metadata.find("authorization");
  if (it == metadata.end()) return AuthenticateHeader("", false, who);
  return AuthenticateHeader(absl::string_view(it->second.data(), it->second.size()), true,
                            who);
}

grpc::Status Authenticate(const TokenAuthenticator* auth, const grpc::ServerContextBase* context,
                          Principal* who) {
  if (auth == nullptr) {
    *who = LocalPrincipal();
    return grpc::Status::OK;
  }
  return auth->Authenticate(*context, who);
}

}  // namespace simclr::server
