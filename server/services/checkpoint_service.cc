#include "server/services/checkpoint_service.h"

#include <algorithm>
#include <string>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "core/common/layout.h"
#include "core/common/status_macros.h"
#include "proto/grpc_status_conversion.h"
#include "server/auth/token_auth.h"
#include "server/common/not_found.h"
#include "server/services/file_download.h"
#include "server/services/pagination.h"
#include "server/services/request_checks.h"
#include "glog/logging.h"

namespace simclr::server {

grpc::Status CheckpointServiceImpl::CheckAccess(const Principal& who,
                                                const std::string& checkpoint_id,
                                                std::string* owner) {
  SIMCLR_RETURN_IF_ERROR(CheckCheckpointId("checkpoint_id", checkpoint_id));
  const auto parsed = core::layout::ParseCheckpointId(checkpoint_id);
  auto job = jobs_->Get(parsed->first, who);
  if (!job.ok()) return ToGrpcStatus(CheckpointNotFound(checkpoint_id));
  *owner = std::string(OwnerOf(job->owner()));
  return grpc::Status::OK;
}

grpc::Status CheckpointServiceImpl::ListCheckpoints(
    grpc::ServerContext* context, const v1::ListCheckpointsRequest* request,
    v1::ListCheckpointsResponse* response) {
  Principal who;
  SIMCLR_RETURN_IF_ERROR(Authenticate(auth_, context, &who));
  std::vector<std::pair<std::string, std::string>> job_ids;  // id, owner
  if (!request->job_id().empty()) {
    SIMCLR_RETURN_IF_ERROR(CheckJobId("job_id", request->job_id()));
    auto job = jobs_->Get(request->job_id(), who);
    if (!job.ok()) return ToGrpcStatus(job.status());
    job_ids.emplace_back(job->id(), OwnerOf(job->owner()));
  } else {
    auto jobs = jobs_->ListAll(who);
    if (!jobs.ok()) return ToGrpcStatus(jobs.status());
    for (const auto& job : *jobs) job_ids.emplace_back(job.id(), OwnerOf(job.owner()));
  }
  std::vector<v1::Checkpoint> all;
  for (const auto& [id, owner] : job_ids) {
    auto checkpoints = catalog_->ListForJob(id);
    if (!checkpoints.ok() && job_ids.size() == 1) return ToGrpcStatus(checkpoints.status());
    if (!checkpoints.ok()) {
      // One job's unreadable folder must not fail the listing of all jobs.
      LOG(WARNING) << "ListCheckpoints: skipping " << id << ": " << checkpoints.status();
      continue;
    }
    for (auto& checkpoint : *checkpoints) {
      checkpoint.set_owner(owner);
      all.push_back(std::move(checkpoint));
    }
  }
  std::stable_sort(all.begin(), all.end(), [](const auto& a, const auto& b) {
    return a.create_time().seconds() > b.create_time().seconds();
  });
  std::string next;
  grpc::Status status = Paginate(
      request->page_size(), request->page_token(), all, "ListCheckpoints",
      [response](const v1::Checkpoint& c) { *response->add_checkpoints() = c; }, &next);
  response->set_next_page_token(next);
  return status;
}

grpc::Status CheckpointServiceImpl::GetCheckpoint(
    grpc::ServerContext* context, const v1::GetCheckpointRequest* request,
    v1::Checkpoint* response) {
  Principal who;
  SIMCLR_RETURN_IF_ERROR(Authenticate(auth_, context, &who));
  std::string owner;
  SIMCLR_RETURN_IF_ERROR(CheckAccess(who, request->checkpoint_id(), &owner));
  auto checkpoint = catalog_->Get(request->checkpoint_id());
  if (!checkpoint.ok()) return ToGrpcStatus(checkpoint.status());
  *response = *std::move(checkpoint);
  response->set_owner(owner);
  return grpc::Status::OK;
}

grpc::Status CheckpointServiceImpl::DownloadCheckpoint(
    grpc::ServerContext* context, const v1::DownloadCheckpointRequest* request,
    grpc::ServerWriter<v1::DownloadCheckpointResponse>* writer) {
  Principal who;
  SIMCLR_RETURN_IF_ERROR(Authenticate(auth_, context, &who));
  SIMCLR_RETURN_IF_ERROR(CheckChunkSize(request->chunk_size()));
  std::string owner;
  SIMCLR_RETURN_IF_ERROR(CheckAccess(who, request->checkpoint_id(), &owner));
  const std::string name = request->file().empty() ? core::layout::kEncoderFile : request->file();
  auto file = catalog_->File(request->checkpoint_id(), name);
  if (!file.ok()) return ToGrpcStatus(file.status());
  return StreamFile(context, writer, *file, absl::StrCat(request->checkpoint_id(), "/", name),
                    request->offset(), request->chunk_size());
}

grpc::Status CheckpointServiceImpl::DeleteCheckpoint(
    grpc::ServerContext* context, const v1::DeleteCheckpointRequest* request,
    v1::DeleteCheckpointResponse*) {
  Principal who;
  SIMCLR_RETURN_IF_ERROR(Authenticate(auth_, context, &who));
  std::string owner;
  SIMCLR_RETURN_IF_ERROR(CheckAccess(who, request->checkpoint_id(), &owner));
  if (auto checkpoint = catalog_->Get(request->checkpoint_id()); !checkpoint.ok()) {
    return ToGrpcStatus(checkpoint.status());
  }
  SIMCLR_RETURN_IF_ERROR(
      ToGrpcStatus(jobs_->CheckCheckpointDeletable(request->checkpoint_id())));
  return ToGrpcStatus(catalog_->Delete(request->checkpoint_id()));
}

}  // namespace simclr::server
