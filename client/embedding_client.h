// The EmbeddingService from C++: one unary Embed, or a stream of requests
// answered in order (for many images: the server batches across requests).
#ifndef SIMCLR_CLIENT_EMBEDDING_CLIENT_H_
#define SIMCLR_CLIENT_EMBEDDING_CLIENT_H_

#include <functional>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "grpcpp/channel.h"
#include "simclr/v1/embedding.grpc.pb.h"

namespace simclr::client {

// "ckpt-…" names a checkpoint; anything else a job (its newest checkpoint).
v1::ModelRef ParseModelRef(const std::string& text);

class EmbeddingClient {
 public:
  EmbeddingClient(std::shared_ptr<grpc::Channel> channel,
                  absl::Duration timeout);

  absl::StatusOr<v1::EmbedResponse> Embed(const v1::EmbedRequest& request);

  // Fills the next request; false when there is none left.
  using NextRequest = std::function<absl::StatusOr<bool>(v1::EmbedRequest*)>;
  using OnResponse = std::function<void(const v1::EmbedResponse&)>;
  // Sends every request `next` gives on one EmbedStream while reading the
  // answers, in request order, into `on_response`. The whole stream has
  // `deadline`. The first error (the server's or `next`'s) ends it.
  absl::Status EmbedStream(const NextRequest& next,
                           const OnResponse& on_response, absl::Time deadline);

 private:
  std::unique_ptr<v1::EmbeddingService::Stub> stub_;
  absl::Duration timeout_;
};

}  // namespace simclr::client

#endif  // SIMCLR_CLIENT_EMBEDDING_CLIENT_H_
