#include "server/services/dataset_service.h"

#include <algorithm>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "core/common/status_macros.h"
#include "proto/grpc_status_conversion.h"
#include "server/auth/token_auth.h"
#include "server/services/pagination.h"
#include "server/services/request_checks.h"
#include "server/services/upload_stream.h"

namespace simclr::server {

grpc::Status DatasetServiceImpl::UploadDataset(
    grpc::ServerContext* context, grpc::ServerReader<v1::UploadDatasetRequest>* reader,
    v1::Dataset* response) {
  Principal who;
  SIMCLR_RETURN_IF_ERROR(Authenticate(auth_, context, &who));
  StreamLimiter::Slot slot;
  SIMCLR_RETURN_IF_ERROR(uploads_.Acquire(&slot));
  IdleWatchdog::Watch watch(&idle_, context);
  v1::UploadDatasetRequest request;
  if (!reader->Read(&request) || !request.has_header()) {
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                        "the first message of an upload must be its header");
  }
  auto upload = datasets_->BeginUpload(request.header(), who);
  if (!upload.ok()) return ToGrpcStatus(upload.status());
  SIMCLR_RETURN_IF_ERROR(ReadChunks(context, reader, watch, idle_.timeout(),
                                    [&](const auto& chunk) { return (*upload)->AddChunk(chunk); }));
  auto dataset = (*upload)->Finish();
  if (!dataset.ok()) return ToGrpcStatus(dataset.status());
  *response = *std::move(dataset);
  return grpc::Status::OK;
}

grpc::Status DatasetServiceImpl::GetDataset(grpc::ServerContext* context,
                                            const v1::GetDatasetRequest* request,
                                            v1::Dataset* response) {
  Principal who;
  SIMCLR_RETURN_IF_ERROR(Authenticate(auth_, context, &who));
  SIMCLR_RETURN_IF_ERROR(CheckDatasetId("dataset_id", request->dataset_id()));
  auto dataset = datasets_->Get(request->dataset_id(), who);
  if (!dataset.ok()) return ToGrpcStatus(dataset.status());
  *response = *std::move(dataset);
  return grpc::Status::OK;
}

grpc::Status DatasetServiceImpl::ListDatasets(grpc::ServerContext* context,
                                              const v1::ListDatasetsRequest* request,
                                              v1::ListDatasetsResponse* response) {
  Principal who;
  SIMCLR_RETURN_IF_ERROR(Authenticate(auth_, context, &who));
  auto all = datasets_->List(who);
  if (!all.ok()) return ToGrpcStatus(all.status());
  std::string next;
  grpc::Status status = Paginate(
      request->page_size(), request->page_token(), *all, "ListDatasets",
      [response](const v1::Dataset& d) { *response->add_datasets() = d; }, &next);
  response->set_next_page_token(next);
  return status;
}

grpc::Status DatasetServiceImpl::DeleteDataset(grpc::ServerContext* context,
                                               const v1::DeleteDatasetRequest* request,
                                               v1::DeleteDatasetResponse*) {
  Principal who;
  SIMCLR_RETURN_IF_ERROR(Authenticate(auth_, context, &who));
  SIMCLR_RETURN_IF_ERROR(CheckDatasetId("dataset_id", request->dataset_id()));
  return ToGrpcStatus(datasets_->Delete(request->dataset_id(), who,
                                        jobs_->DatasetInUse(request->dataset_id())));
}

}  // namespace simclr::server
