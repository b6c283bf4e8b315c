#include "client/embedding_client.h"

#include <thread>

#include "absl/strings/match.h"
#include "absl/synchronization/mutex.h"
#include "grpcpp/client_context.h"
#include "proto/grpc_status_conversion.h"

namespace simclr::client {

v1::ModelRef ParseModelRef(const std::string& text) {
  v1::ModelRef ref;
  if (absl::StartsWith(text, "ckpt-")) {
    ref.set_checkpoint_id(text);
  } else {
    ref.set_job_id(text);
  }
  return ref;
}

EmbeddingClient::EmbeddingClient(std::shared_ptr<grpc::Channel> channel,
                                 absl::Duration timeout)
    : stub_(v1::EmbeddingService::NewStub(std::move(channel))),
      timeout_(timeout) {}

absl::StatusOr<v1::EmbedResponse> EmbeddingClient::Embed(
    const v1::EmbedRequest& request) {
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + timeout_));
  v1::EmbedResponse response;
  const grpc::Status status = stub_->Embed(&context, request, &response);
  if (!status.ok()) return FromGrpcStatus(status);
  return response;
}

absl::Status EmbeddingClient::EmbedStream(const NextRequest& next,
                                          const OnResponse& on_response,
                                          absl::Time deadline) {
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(deadline));
  auto stream = stub_->EmbedStream(&context);
  // The writer runs beside the reader so that requests keep flowing while
  // answers arrive; gRPC allows one writer and one reader at a time.
  absl::Status write_error;
  std::thread writer([&] {
    v1::EmbedRequest request;
    while (true) {
      request.Clear();
      absl::StatusOr<bool> more = next(&request);
      if (!more.ok()) {
        write_error = more.status();
        context.TryCancel();
        return;
      }
      if (!*more || !stream->Write(request)) break;
    }
    stream->WritesDone();
  });
  v1::EmbedResponse response;
  while (stream->Read(&response)) on_response(response);
  writer.join();
  const grpc::Status status = stream->Finish();
  if (!write_error.ok()) return write_error;
  return FromGrpcStatus(status);
}

}  // namespace simclr::client
