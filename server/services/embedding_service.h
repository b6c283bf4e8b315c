// simclr.v1.EmbeddingService on gRPC's callback API: handlers only hand
// requests to the EmbeddingRuntime and finish when it calls back, so no
// gRPC thread waits on a model. Embed is unary; EmbedStream keeps up to
// kStreamWindow requests of one stream in flight and answers them in
// request order; a failed request ends the stream with its error.
#ifndef SIMCLR_SERVER_SERVICES_EMBEDDING_SERVICE_H_
#define SIMCLR_SERVER_SERVICES_EMBEDDING_SERVICE_H_

#include <functional>

#include "absl/status/status.h"
#include "server/auth/principal.h"
#include "simclr/v1/embedding.grpc.pb.h"

namespace simclr::server {

class EmbedMetrics;
class EmbeddingRuntime;
class TokenAuthenticator;

// OK when the principal may embed with the model: NOT_FOUND, as for an
// unknown id, when it names another user's job or checkpoint. An id that
// is not well formed passes, for the runtime to refuse.
using ModelAccess = std::function<absl::Status(const v1::ModelRef&, const Principal&)>;

class EmbeddingServiceImpl final
    : public v1::EmbeddingService::CallbackService {
 public:
  // Requests of one stream in flight at once: enough to fill a batch.
  static constexpr int kStreamWindow = 64;

  // All must outlive the service; `auth` and `metrics` may be null, and a
  // null `access` lets everyone use every model.
  EmbeddingServiceImpl(EmbeddingRuntime* runtime, const TokenAuthenticator* auth,
                       EmbedMetrics* metrics, ModelAccess access)
      : runtime_(runtime), auth_(auth), metrics_(metrics), access_(std::move(access)) {}

  grpc::ServerUnaryReactor* Embed(grpc::CallbackServerContext* context,
                                  const v1::EmbedRequest* request,
                                  v1::EmbedResponse* response) override;
  grpc::ServerBidiReactor<v1::EmbedRequest, v1::EmbedResponse>* EmbedStream(
      grpc::CallbackServerContext* context) override;

 private:
  EmbeddingRuntime* const runtime_;
  const TokenAuthenticator* const auth_;
  EmbedMetrics* const metrics_;
  const ModelAccess access_;
};

}  // namespace simclr::server

#endif  // SIMCLR_SERVER_SERVICES_EMBEDDING_SERVICE_H_
