#include "client/dataset_client.h"

#include <filesystem>
#include <fstream>

#include "absl/strings/str_cat.h"
#include "client/list_all_pages.h"
#include "core/common/sha256.h"
#include "grpcpp/client_context.h"
#include "proto/grpc_status_conversion.h"

namespace simclr::client {

constexpr size_t kChunkBytes = 1 << 20;

DatasetClient::DatasetClient(std::shared_ptr<grpc::Channel> channel, absl::Duration timeout)
    : stub_(v1::DatasetService::NewStub(std::move(channel))), timeout_(timeout) {}

absl::StatusOr<v1::Dataset> DatasetClient::UploadIdx(
    const std::string& display_name, const std::string& images_path,
    const std::string& labels_path, const std::vector<std::string>& class_names,
    const Progress& progress) {
  std::vector<std::pair<std::string, std::string>> files = {{"images", images_path}};
  if (!labels_path.empty()) files.emplace_back("labels", labels_path);
  v1::UploadHeader header;
  header.set_display_name(display_name);
  header.set_format(v1::DATASET_FORMAT_IDX);
  for (const auto& name : class_names) header.add_class_names(name);
  return Upload(std::move(header), files, progress);
}

absl::StatusOr<v1::Dataset> DatasetClient::UploadArchive(const std::string& display_name,
                                                         const std::string& archive_path,
                                                         bool labelled,
                                                         double max_corrupt_fraction,
                                                         const Progress& progress) {
  v1::UploadHeader header;
  header.set_display_name(display_name);
  header.set_format(labelled ? v1::DATASET_FORMAT_IMAGE_FOLDER
                             : v1::DATASET_FORMAT_UNLABELED_FOLDER);
  header.set_max_corrupt_fraction(max_corrupt_fraction);
  return Upload(std::move(header),
                {{std::filesystem::path(archive_path).filename().string(), archive_path}},
                progress);
}

absl::StatusOr<v1::Dataset> DatasetClient::Upload(
    v1::UploadHeader header_in, const std::vector<std::pair<std::string, std::string>>& files,
    const Progress& progress) {
  v1::UploadDatasetRequest request;
  v1::UploadHeader* header = request.mutable_header();
  *header = std::move(header_in);
  int64_t total = 0;
  for (const auto& [name, path] : files) {
    std::error_code error;
    const auto size = std::filesystem::file_size(path, error);
    if (error) return absl::NotFoundError(absl::StrCat(path, ": ", error.message()));
    auto sha = core::Sha256OfFile(path);
    if (!sha.ok()) return sha.status();
    v1::UploadFile* file = header->add_files();
    file->set_name(name);
    file->set_size_bytes(static_cast<int64_t>(size));
    file->set_sha256(*sha);
    total += static_cast<int64_t>(size);
  }
  grpc::ClientContext context;  // no deadline: uploads can be large
  v1::Dataset dataset;
  auto writer = stub_->UploadDataset(&context, &dataset);
  bool sent = writer->Write(request);
  int64_t done = 0;
  std::string buffer(kChunkBytes, '\0');
  for (size_t i = 0; i < files.size() && sent; ++i) {
    std::ifstream in(files[i].second, std::ios::binary);
    int64_t offset = 0;
    while (sent && in) {
      in.read(buffer.data(), static_cast<std::streamsize>(buffer.size()));
      const auto got = static_cast<size_t>(in.gcount());
      if (got == 0) break;
      v1::UploadDatasetRequest chunk;
      chunk.mutable_chunk()->set_file_index(static_cast<int>(i));
      chunk.mutable_chunk()->set_offset(offset);
      chunk.mutable_chunk()->set_data(buffer.data(), got);
      sent = writer->Write(chunk);
      offset += static_cast<int64_t>(got);
      done += static_cast<int64_t>(got);
      if (progress) progress(done, total);
    }
  }
  writer->WritesDone();
  // A refusal mid-stream stops the writes; Finish carries the reason.
  if (const grpc::Status status = writer->Finish(); !status.ok()) {
    return FromGrpcStatus(status);
  }
  return dataset;
}

absl::StatusOr<std::vector<v1::Dataset>> DatasetClient::List() {
  return ListAllPages<v1::Dataset, v1::ListDatasetsResponse>(
      v1::ListDatasetsRequest(), timeout_,
      [this](auto* c, const auto& r, auto* p) { return stub_->ListDatasets(c, r, p); },
      [](const v1::ListDatasetsResponse& p) -> const auto& { return p.datasets(); });
}

absl::StatusOr<v1::Dataset> DatasetClient::Get(const std::string& dataset_id) {
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + timeout_));
  v1::GetDatasetRequest request;
  request.set_dataset_id(dataset_id);
  v1::Dataset dataset;
  const grpc::Status status = stub_->GetDataset(&context, request, &dataset);
  if (!status.ok()) return FromGrpcStatus(status);
  return dataset;
}

absl::Status DatasetClient::Delete(const std::string& dataset_id) {
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + timeout_));
  v1::DeleteDatasetRequest request;
  request.set_dataset_id(dataset_id);
  v1::DeleteDatasetResponse response;
  return FromGrpcStatus(stub_->DeleteDataset(&context, request, &response));
}

}  // namespace simclr::client
