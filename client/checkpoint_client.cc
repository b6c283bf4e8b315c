#include "client/checkpoint_client.h"

#include <filesystem>
#include <fstream>

#include "absl/strings/str_cat.h"
#include "client/list_all_pages.h"
#include "core/common/sha256.h"
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
  const std::string part = destination + ".part";
  std::error_code error;
  const int64_t resume_at =
      std::filesystem::exists(part, error)
          ? static_cast<int64_t>(std::filesystem::file_size(part, error))
          : 0;
  std::ofstream out(part, std::ios::binary | std::ios::app);
  if (!out) {
    return absl::FailedPreconditionError(absl::StrCat("cannot write ", part));
  }
  grpc::ClientContext context;  // no deadline: files can be large
  v1::DownloadCheckpointRequest request;
  request.set_checkpoint_id(checkpoint_id);
  request.set_file(file);
  request.set_offset(resume_at);
  request.set_chunk_size(chunk_size);
  auto reader = stub_->DownloadCheckpoint(&context, request);
  v1::DownloadCheckpointResponse chunk;
  int64_t size = 0, received = resume_at;
  std::string sha256;
  while (reader->Read(&chunk)) {
    if (!chunk.sha256().empty()) {
      size = chunk.size_bytes();
      sha256 = chunk.sha256();
    }
    if (chunk.offset() != received) {
      context.TryCancel();
      reader->Finish();
      return absl::DataLossError(absl::StrCat("chunk at offset ", chunk.offset(),
                                              ", expected ", received));
    }
    out.write(chunk.data().data(), static_cast<std::streamsize>(chunk.data().size()));
    received += static_cast<int64_t>(chunk.data().size());
    if (progress) progress(received, size);
  }
  out.close();
  if (const grpc::Status status = reader->Finish(); !status.ok()) {
    // A .part with bytes stays: the next call continues from it. An empty
    // one (a refused request) would only be litter beside the destination.
    if (received == 0) std::filesystem::remove(part, error);
    return FromGrpcStatus(status);
  }
  auto actual = core::Sha256OfFile(part);
  if (!actual.ok()) return actual.status();
  if (*actual != sha256 || received != size) {
    std::filesystem::remove(part, error);
    return absl::DataLossError(absl::StrCat(
        checkpoint_id, "/", file, ": SHA-256 ", *actual, " (", received,
        " bytes) does not match the server's ", sha256, " (", size, " bytes)"));
  }
  std::filesystem::rename(part, destination, error);
  if (error) {
    return absl::FailedPreconditionError(
        absl::StrCat("cannot rename ", part, " to ", destination, ": ", error.message()));
  }
  return sha256;
}

}  // namespace simclr::client
