// The checkpoints of the server's jobs, read from disk.
//
// The worker's folders are the source of truth: it writes each checkpoint
// atomically (meta.json last) and prunes old ones by its retention rule, so
// a second registry in SQLite could only fall out of step with them. An id
// names its job and step ("ckpt-<job hex>-<step>"), so it resolves to one
// folder without a lookup and cannot name a path outside the jobs folder.
#ifndef SIMCLR_SERVER_CHECKPOINTS_CHECKPOINT_CATALOG_H_
#define SIMCLR_SERVER_CHECKPOINTS_CHECKPOINT_CATALOG_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "simclr/v1/checkpoint.pb.h"

namespace simclr::server {

struct CheckpointFileRef {
  std::string path;
  int64_t size_bytes = 0;
  std::string sha256;
};

class CheckpointCatalog {
 public:
  // Checkpoints live where core/common/layout.h says.
  explicit CheckpointCatalog(std::string data_dir) : data_dir_(std::move(data_dir)) {}

  // A job's checkpoints, newest (highest step) first; the one `best` points
  // at has is_best. NOT_FOUND when the job has no folder.
  absl::StatusOr<std::vector<v1::Checkpoint>> ListForJob(const std::string& job_id) const;
  // INVALID_ARGUMENT for a malformed id, NOT_FOUND when it is gone (e.g.
  // pruned by retention).
  absl::StatusOr<v1::Checkpoint> Get(const std::string& checkpoint_id) const;
  // The id of a job's newest complete checkpoint, reading only folder names
  // (cheap enough for every embedding request that names a job).
  // INVALID_ARGUMENT for a malformed job id, NOT_FOUND for a job without a
  // folder, FAILED_PRECONDITION while it has no checkpoint yet.
  absl::StatusOr<std::string> LatestId(const std::string& job_id) const;
  // The checkpoint's folder (absolute), for a worker to read.
  absl::StatusOr<std::string> Folder(const std::string& checkpoint_id) const;
  // The folder of a checkpoint already read with Get() (no second read).
  std::string FolderOf(const v1::Checkpoint& checkpoint) const;
  // Removes the checkpoint's folder, and the links that pointed at it.
  absl::Status Delete(const std::string& checkpoint_id) const;
  // One of the checkpoint's files: encoder.pt, state.pt or meta.json.
  absl::StatusOr<CheckpointFileRef> File(const std::string& checkpoint_id,
                                         const std::string& name) const;

 private:
  std::string RunFolder(const std::string& job_id) const;
  std::string CheckpointsDir(const std::string& job_id) const;
  absl::StatusOr<v1::Checkpoint> Read(const std::string& job_id, int64_t step) const;

  const std::string data_dir_;
};

}  // namespace simclr::server

#endif  // SIMCLR_SERVER_CHECKPOINTS_CHECKPOINT_CATALOG_H_
