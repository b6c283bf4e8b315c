#include "server/services/dataset_service.h"

#include <algorithm>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "proto/grpc_status_conversion.h"
#include "server/auth/token_auth.h"

namespace simclr::server {

grpc::Status DatasetServiceImpl::UploadDataset(
    grpc::ServerContext* context, grpc::ServerReader<v1::UploadDatasetRequest>* reader,
    v1::Dataset* response) {
  if (auto denied = Authorize(auth_, context); !denied.ok()) return denied;
  v1::UploadDatasetRequest request;
  if (!reader->Read(&request) || !request.has_header()) {
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                        "the first message of an upload must be its header");
  }
  auto upload = datasets_->BeginUpload(request.header());
  if (!upload.ok()) return ToGrpcStatus(upload.status());
  while (reader->Read(&request)) {
    if (!request.has_chunk()) {
      return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                          "only the first message of an upload may be a header");
    }
    if (auto status = (*upload)->AddChunk(request.chunk()); !status.ok()) {
      return ToGrpcStatus(status);
    }
  }
  if (context->IsCancelled()) {
    return grpc::Status(grpc::StatusCode::CANCELLED,
                        "upload cancelled; nothing was kept");
  }
  auto dataset = (*upload)->Finish();
  if (!dataset.ok()) return ToGrpcStatus(dataset.status());
  *response = *std::move(dataset);
  return grpc::Status::OK;
}

grpc::Status DatasetServiceImpl::GetDataset(grpc::ServerContext* context,
                                            const v1::GetDatasetRequest* request,
                                            v1::Dataset* response) {
  if (auto denied = Authorize(auth_, context); !denied.ok()) return denied;
  auto dataset = datasets_->Get(request->dataset_id());
  if (!dataset.ok()) return ToGrpcStatus(dataset.status());
  *response = *std::move(dataset);
  return grpc::Status::OK;
}

grpc::Status DatasetServiceImpl::ListDatasets(grpc::ServerContext* context,
                                              const v1::ListDatasetsRequest* request,
                                              v1::ListDatasetsResponse* response) {
  if (auto denied = Authorize(auth_, context); !denied.ok()) return denied;
  if (request->page_size() < 0 || request->page_size() > 1000) {
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                        absl::StrCat("page_size: ", request->page_size(),
                                     " is outside [0, 1000]"));
  }
  int64_t start = 0;
  if (!request->page_token().empty() &&
      (!absl::SimpleAtoi(request->page_token(), &start) || start < 0)) {
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                        "page_token: not a token from ListDatasets");
  }
  auto all = datasets_->List();
  if (!all.ok()) return ToGrpcStatus(all.status());
  const int64_t size = request->page_size() == 0 ? 50 : request->page_size();
  const int64_t end = std::min<int64_t>(start + size, static_cast<int64_t>(all->size()));
  for (int64_t i = start; i < end; ++i) *response->add_datasets() = (*all)[i];
  if (end < static_cast<int64_t>(all->size())) {
    response->set_next_page_token(std::to_string(end));
  }
  return grpc::Status::OK;
}

grpc::Status DatasetServiceImpl::DeleteDataset(grpc::ServerContext* context,
                                               const v1::DeleteDatasetRequest* request,
                                               v1::DeleteDatasetResponse*) {
  if (auto denied = Authorize(auth_, context); !denied.ok()) return denied;
  return ToGrpcStatus(datasets_->Delete(request->dataset_id(),
                                        jobs_->DatasetInUse(request->dataset_id())));
}

}  // namespace simclr::server
