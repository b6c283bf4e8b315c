#include "server/services/model_service.h"

#include "absl/strings/str_cat.h"
#include "core/common/layout.h"
#include "core/common/status_macros.h"
#include "proto/grpc_status_conversion.h"
#include "server/auth/token_auth.h"
#include "server/services/pagination.h"
#include "server/services/request_checks.h"
#include "server/services/upload_stream.h"

namespace simclr::server {
namespace {

grpc::Status CheckModelId(const std::string& id) {
  if (id.empty()) return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "model_id: required");
  if (!core::layout::IsModelId(id)) return BadId("model_id", id, "a model id (model-…)");
  return grpc::Status::OK;
}

}  // namespace

grpc::Status ModelServiceImpl::UploadModel(grpc::ServerContext* context,
                                           grpc::ServerReader<v1::UploadModelRequest>* reader,
                                           v1::Model* response) {
  Principal who;
  SIMCLR_RETURN_IF_ERROR(Authenticate(auth_, context, &who));
  StreamLimiter::Slot slot;
  SIMCLR_RETURN_IF_ERROR(uploads_.Acquire(&slot));
  IdleWatchdog::Watch watch(&idle_, context);
  v1::UploadModelRequest request;
  if (!reader->Read(&request) || !request.has_header()) {
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                        "the first message of an upload must be its header");
  }
  auto upload = models_->BeginUpload(request.header(), who);
  if (!upload.ok()) return ToGrpcStatus(upload.status());
  SIMCLR_RETURN_IF_ERROR(ReadChunks(context, reader, watch, idle_.timeout(),
                                    [&](const auto& chunk) { return (*upload)->AddChunk(chunk); }));
  auto model = (*upload)->Finish();
  if (!model.ok()) return ToGrpcStatus(model.status());
  *response = *std::move(model);
  return grpc::Status::OK;
}

grpc::Status ModelServiceImpl::GetModel(grpc::ServerContext* context,
                                        const v1::GetModelRequest* request,
                                        v1::Model* response) {
  Principal who;
  SIMCLR_RETURN_IF_ERROR(Authenticate(auth_, context, &who));
  SIMCLR_RETURN_IF_ERROR(CheckModelId(request->model_id()));
  auto model = models_->Get(request->model_id(), who);
  if (!model.ok()) return ToGrpcStatus(model.status());
  *response = *std::move(model);
  return grpc::Status::OK;
}

grpc::Status ModelServiceImpl::ListModels(grpc::ServerContext* context,
                                          const v1::ListModelsRequest* request,
                                          v1::ListModelsResponse* response) {
  Principal who;
  SIMCLR_RETURN_IF_ERROR(Authenticate(auth_, context, &who));
  auto all = models_->List(who);
  if (!all.ok()) return ToGrpcStatus(all.status());
  std::string next;
  grpc::Status status = Paginate(
      request->page_size(), request->page_token(), *all, "ListModels",
      [response](const v1::Model& m) { *response->add_models() = m; }, &next);
  response->set_next_page_token(next);
  return status;
}

grpc::Status ModelServiceImpl::DeleteModel(grpc::ServerContext* context,
                                           const v1::DeleteModelRequest* request,
                                           v1::DeleteModelResponse*) {
  Principal who;
  SIMCLR_RETURN_IF_ERROR(Authenticate(auth_, context, &who));
  SIMCLR_RETURN_IF_ERROR(CheckModelId(request->model_id()));
  return ToGrpcStatus(models_->Delete(request->model_id(), who,
                                      jobs_->ModelInUse(request->model_id())));
}

}  // namespace simclr::server
