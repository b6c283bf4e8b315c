// A job's artifacts: the files it wrote for people and programs, read from
// its run folder (the worker's own output, as the checkpoints are): the
// report files beside the folder's checkpoints, and everything under
// artifacts/. Names are paths relative to the run folder; a download must
// name one the listing holds, so no request reaches another file.
#ifndef SIMCLR_SERVER_JOBS_ARTIFACTS_H_
#define SIMCLR_SERVER_JOBS_ARTIFACTS_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "server/checkpoints/checkpoint_catalog.h"
#include "simclr/v1/job.pb.h"

namespace simclr::server {

// At most this many files are listed.
inline constexpr int kMaxArtifacts = 1000;

// By name; regular files only (a symlink is never followed).
std::vector<v1::ArtifactFile> ListArtifacts(const std::string& run_folder);

// The listed artifact `name`: NOT_FOUND "<job_id> has no artifact …" for
// any other name.
absl::StatusOr<CheckpointFileRef> FindArtifact(const std::string& run_folder,
                                               const std::string& job_id,
                                               const std::string& name);

}  // namespace simclr::server

#endif  // SIMCLR_SERVER_JOBS_ARTIFACTS_H_
