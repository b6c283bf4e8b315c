#include "client/checkpoint_client.h"

#include "absl/strings/str_cat.h"
#include "client/list_all_pages.h"
#include "client/resumable_download.h"
#include "grpcpp/client_context.h"
#include "proto/grpc_status_conversion.h"

namespace simclr::client {

CheckpointClient::CheckpointClient(std::shared_ptr<grpc::Channel> channel,
                                   absl::Duration timeout)
    : stub_(v1::CheckpointService::NewStub(std::move(channel))),
      timeout_(timeout) {}

absl::StatusOr<std::vector<v1::Checkpoint>> CheckpointClient::List(
    const std::string& job_id) {
  v1::ListCheckpointsRequest request;
  request.set_job_id(job_id);
  return ListAllPages<v1::Checkpoint, v1::ListCheckpointsResponse>(
      request, timeout_,
      [this](auto* c, const auto& r, auto* p) { return stub_->ListCheckpoints(c, r, p); },
      [](const v1::ListCheckpointsResponse& p) -> const auto& { return p.checkpoints(); });
}

absl::StatusOr<v1::Checkpoint> CheckpointClient::Get(const std::string& checkpoint_id) {
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + timeout_));
  v1::GetCheckpointRequest request;
  request.set_checkpoint_id(checkpoint_id);
  v1::Checkpoint checkpoint;
  const grpc::Status status = stub_->GetCheckpoint(&context, request, &checkpoint);
  if (!status.ok()) return FromGrpcStatus(status);
  return checkpoint;
}

absl::Status CheckpointClient::Delete(const std::string& checkpoint_id) {
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + timeout_));
  v1::DeleteCheckpointRequest request;
  request.set_checkpoint_id(checkpoint_id);
  v1::DeleteCheckpointResponse response;
  return FromGrpcStatus(stub_->DeleteCheckpoint(&context, request, &response));
}

absl::StatusOr<std::string> CheckpointClient::Download(
    const std::string& checkpoint_id, const std::string& file,
    const std::string& destination, const Progress& progress, int chunk_size) {
  return DownloadResumably(
      absl::StrCat(checkpoint_id, "/", file), destination,
      [&](grpc::ClientContext* context, int64_t offset) {
        v1::DownloadCheckpointRequest request;
        request.set_checkpoint_id(checkpoint_id);
        request.set_file(file);
        request.set_offset(offset);
        request.set_chunk_size(chunk_size);
        return stub_->DownloadCheckpoint(context, request);
      },
      progress);
}

}  // namespace simclr::client
