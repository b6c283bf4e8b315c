// The CheckpointService from C++: list checkpoints and download their files
// resumably, verifying the SHA-256 at the end.
#ifndef SIMCLR_CLIENT_CHECKPOINT_CLIENT_H_
#define SIMCLR_CLIENT_CHECKPOINT_CLIENT_H_

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "grpcpp/channel.h"
#include "simclr/v1/checkpoint.grpc.pb.h"

namespace simclr::client {

class CheckpointClient {
 public:
  CheckpointClient(std::shared_ptr<grpc::Channel> channel, absl::Duration timeout);

  // One job's checkpoints (or every job's, with an empty id), newest first.
  absl::StatusOr<std::vector<v1::Checkpoint>> List(const std::string& job_id);
  absl::StatusOr<v1::Checkpoint> Get(const std::string& checkpoint_id);
  absl::Status Delete(const std::string& checkpoint_id);

  // (bytes so far, total bytes), after every chunk.
  using Progress = std::function<void(int64_t, int64_t)>;
  // Downloads `file` of the checkpoint to `destination`. Bytes go to
  // destination + ".part" first; an existing .part (an interrupted
  // download) is continued from its size; a refused request leaves no
  // .part. The whole file's SHA-256 is checked before it is renamed into
  // place: DATA_LOSS (and the .part removed) on a mismatch. Returns the
  // SHA-256.
  absl::StatusOr<std::string> Download(const std::string& checkpoint_id,
                                       const std::string& file,
                                       const std::string& destination,
                                       const Progress& progress = nullptr,
                                       int chunk_size = 0);

 private:
  std::unique_ptr<v1::CheckpointService::Stub> stub_;
  absl::Duration timeout_;
};

}  // namespace simclr::client

#endif  // SIMCLR_CLIENT_CHECKPOINT_CLIENT_H_
