#include "client/model_client.h"

#include <filesystem>
#include <fstream>

#include "absl/strings/str_cat.h"
#include "client/list_all_pages.h"
#include "core/common/sha256.h"
#include "grpcpp/client_context.h"
#include "proto/grpc_status_conversion.h"

namespace simclr::client {
namespace {

constexpr size_t kChunkBytes = 1 << 20;

}  // namespace

ModelClient::ModelClient(std::shared_ptr<grpc::Channel> channel, absl::Duration timeout)
    : stub_(v1::ModelService::NewStub(std::move(channel))), timeout_(timeout) {}

absl::StatusOr<v1::Model> ModelClient::Upload(const std::string& display_name,
                                              const std::string& path, int channels, int size,
                                              const Progress& progress) {
  std::error_code error;
  const auto total = static_cast<int64_t>(std::filesystem::file_size(path, error));
  if (error) return absl::NotFoundError(absl::StrCat(path, ": ", error.message()));
  auto sha = core::Sha256OfFile(path);
  if (!sha.ok()) return sha.status();
  v1::UploadModelRequest request;
  v1::ModelUploadHeader* header = request.mutable_header();
  header->set_display_name(display_name);
  header->set_size_bytes(total);
  header->set_sha256(*sha);
  header->set_input_channels(channels);
  header->set_input_size(size);
  grpc::ClientContext context;  // no deadline: models can be large
  v1::Model model;
  auto writer = stub_->UploadModel(&context, &model);
  bool sent = writer->Write(request);
  std::ifstream in(path, std::ios::binary);
  std::string buffer(kChunkBytes, '\0');
  int64_t offset = 0;
  while (sent && in) {
    in.read(buffer.data(), static_cast<std::streamsize>(buffer.size()));
    const auto got = static_cast<size_t>(in.gcount());
    if (got == 0) break;
    v1::UploadModelRequest chunk;
    chunk.mutable_chunk()->set_offset(offset);
    chunk.mutable_chunk()->set_data(buffer.data(), got);
    sent = writer->Write(chunk);
    offset += static_cast<int64_t>(got);
    if (progress) progress(offset, total);
  }
  writer->WritesDone();
  // A refusal mid-stream stops the writes; Finish carries the reason.
  if (const grpc::Status status = writer->Finish(); !status.ok()) return FromGrpcStatus(status);
  return model;
}

absl::StatusOr<std::vector<v1::Model>> ModelClient::List() {
  return ListAllPages<v1::Model, v1::ListModelsResponse>(
      v1::ListModelsRequest(), timeout_,
      [this](auto* c, const auto& r, auto* p) { return stub_->ListModels(c, r, p); },
      [](const v1::ListModelsResponse& p) -> const auto& { return p.models(); });
}

absl::StatusOr<v1::Model> ModelClient::Get(const std::string& model_id) {
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + timeout_));
  v1::GetModelRequest request;
  request.set_model_id(model_id);
  v1::Model model;
  if (const grpc::Status status = stub_->GetModel(&context, request, &model); !status.ok()) {
    return FromGrpcStatus(status);
  }
  return model;
}

absl::Status ModelClient::Delete(const std::string& model_id) {
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + timeout_));
  v1::DeleteModelRequest request;
  request.set_model_id(model_id);
  v1::DeleteModelResponse response;
  return FromGrpcStatus(stub_->DeleteModel(&context, request, &response));
}

}  // namespace simclr::client
