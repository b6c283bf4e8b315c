// The ModelService from C++: upload a TorchScript encoder, list, get and
// delete models.
#ifndef SIMCLR_CLIENT_MODEL_CLIENT_H_
#define SIMCLR_CLIENT_MODEL_CLIENT_H_

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "grpcpp/channel.h"
#include "simclr/v1/model_service.grpc.pb.h"

namespace simclr::client {

class ModelClient {
 public:
  ModelClient(std::shared_ptr<grpc::Channel> channel, absl::Duration timeout);

  // (bytes sent, total bytes), after every chunk.
  using Progress = std::function<void(int64_t, int64_t)>;
  // Streams the file in 1 MiB chunks with its size and SHA-256; the server
  // validates it in a worker. `channels` and `size` 0: the server probes.
  absl::StatusOr<v1::Model> Upload(const std::string& display_name, const std::string& path,
                                   int channels = 0, int size = 0,
                                   const Progress& progress = nullptr);
  absl::StatusOr<std::vector<v1::Model>> List();
  absl::StatusOr<v1::Model> Get(const std::string& model_id);
  absl::Status Delete(const std::string& model_id);

 private:
  std::unique_ptr<v1::ModelService::Stub> stub_;
  absl::Duration timeout_;
};

}  // namespace simclr::client

#endif  // SIMCLR_CLIENT_MODEL_CLIENT_H_
