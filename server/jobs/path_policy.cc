#include "server/jobs/path_policy.h"

#include <limits.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <optional>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "core/common/field_error.h"
#include "core/common/utf8.h"
#include "server/jobs/spec_references.h"

namespace simclr::server {
namespace {

// realpath(3), or nothing when a component is missing or unreadable.
std::optional<std::string> RealPath(const std::string& path) {
  char resolved[PATH_MAX];
  if (realpath(path.c_str(), resolved) == nullptr) return std::nullopt;
  return std::string(resolved);
}

bool Inside(const std::string& path, const std::string& root) {
  return path == root || (absl::StartsWith(path, root) &&
                          (root == "/" || path[root.size()] == '/'));
}

}  // namespace

absl::StatusOr<PathPolicy> PathPolicy::Create(const std::vector<std::string>& roots) {
  PathPolicy policy;
  for (const auto& root : roots) {
    struct stat info;
    const auto resolved = root.empty() || root[0] != '/' ? std::nullopt : RealPath(root);
    if (!resolved || stat(resolved->c_str(), &info) != 0 || !S_ISDIR(info.st_mode)) {
      return absl::FailedPreconditionError(absl::StrCat(
          "--allow_local_paths ", root, ": not an absolute path to a directory"));
    }
    policy.roots_.push_back(*resolved);
  }
  return policy;
}

absl::StatusOr<std::string> PathPolicy::Resolve(const std::string& field,
                                                const std::string& path) const {
  if (!path.empty() && path[0] == '/') {
    if (const auto resolved = RealPath(path)) {
      for (const auto& root : roots_) {
        if (Inside(*resolved, root)) return *resolved;
      }
    }
  }
  const std::string quoted = absl::StrCat("\"", core::SafeText(path, 256), "\"");
  return core::FieldError(
      field,
      roots_.empty()
          ? absl::StrCat(quoted, ": this server takes no local paths "
                                 "(--allow_local_paths is empty); upload the data or model")
          : absl::StrCat(quoted, " is not an existing path inside the server's "
                                 "--allow_local_paths"),
      absl::StatusCode::kPermissionDenied);
}

absl::Status PathPolicy::Apply(v1::JobSpec& spec) const {
  for (auto& [field, value] : LocalPaths(spec)) {
    auto resolved = Resolve(absl::StrCat("spec.", field), *value);
    if (!resolved.ok()) return resolved.status();
    *value = *std::move(resolved);
  }
  return absl::OkStatus();
}

}  // namespace simclr::server
