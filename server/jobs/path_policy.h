// Which server paths a spec may name: none by default; with
// --allow_local_paths=DIR,… only paths that resolve (realpath, every
// symlink followed) inside one of the roots. A path outside them and a
// path that does not exist get the same PERMISSION_DENIED, so a client
// cannot learn which files the server has; the message repeats only what
// the client sent.
#ifndef SIMCLR_SERVER_JOBS_PATH_POLICY_H_
#define SIMCLR_SERVER_JOBS_PATH_POLICY_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "simclr/v1/job_spec.pb.h"

namespace simclr::server {

class PathPolicy {
 public:
  // No local path is allowed.
  PathPolicy() = default;
  // Each root must be an absolute path to a directory (FAILED_PRECONDITION
  // naming the flag otherwise); they are kept resolved.
  static absl::StatusOr<PathPolicy> Create(const std::vector<std::string>& roots);

  // The path resolved inside a root, or PERMISSION_DENIED naming `field`.
  absl::StatusOr<std::string> Resolve(const std::string& field, const std::string& path) const;
  // Checks every local path of the spec and rewrites each to its resolved
  // form, so the worker opens exactly what was checked. Fields are named
  // from JobSpec with the "spec." prefix.
  absl::Status Apply(v1::JobSpec& spec) const;

  const std::vector<std::string>& roots() const { return roots_; }

 private:
  std::vector<std::string> roots_;
};

}  // namespace simclr::server

#endif  // SIMCLR_SERVER_JOBS_PATH_POLICY_H_
