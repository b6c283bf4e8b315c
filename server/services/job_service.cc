#include "server/services/job_service.h"

#include <algorithm>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "core/common/field_error.h"
#include "core/common/layout.h"
#include "core/common/status_macros.h"
#include "core/spec/checks.h"
#include "proto/grpc_status_conversion.h"
#include "server/auth/token_auth.h"
#include "server/jobs/artifacts.h"
#include "server/services/file_download.h"
#include "server/services/pagination.h"
#include "server/services/request_checks.h"

namespace simclr::server {
namespace {

grpc::Status Reply(const absl::StatusOr<v1::Job>& job, v1::Job* response) {
  if (!job.ok()) return ToGrpcStatus(job.status());
  *response = *job;
  return grpc::Status::OK;
}

// The filters: at most 8 states and 8 kinds, each a known value, and labels
// as JobSpec.labels takes them.
absl::Status CheckListFilter(const v1::ListJobsRequest& request) {
  SIMCLR_RETURN_IF_ERROR(core::CheckCount("states", request.states_size(), 0, 8));
  for (int i = 0; i < request.states_size(); ++i) {
    SIMCLR_RETURN_IF_ERROR(core::CheckEnum(core::Item("states", i), request.states(i),
                                           v1::JobState_IsValid, false));
  }
  SIMCLR_RETURN_IF_ERROR(core::CheckCount("kinds", request.kinds_size(), 0, 8));
  for (int i = 0; i < request.kinds_size(); ++i) {
    SIMCLR_RETURN_IF_ERROR(core::CheckEnum(core::Item("kinds", i), request.kinds(i),
                                           v1::JobKind_IsValid, false));
  }
  SIMCLR_RETURN_IF_ERROR(core::CheckLabels("labels", request.labels()));
  if (!request.owner().empty() && !IsPrincipalName(request.owner())) {
    return core::FieldError("owner", "must be a principal name: 1 to 64 of [A-Za-z0-9._@-]");
  }
  return absl::OkStatus();
}

// The label filter (states, kinds and owner are the store's).
bool HasLabels(const v1::ListJobsRequest& request, const v1::Job& job) {
  for (const auto& [key, value] : request.labels()) {
    auto it = job.spec().labels().find(key);
    if (it == job.spec().labels().end() || it->second != value) return false;
  }
  return true;
}

}  // namespace

grpc::Status JobServiceImpl::SubmitJob(grpc::ServerContext* context,
                                       const v1::SubmitJobRequest* request,
                                       v1::Job* response) {
  Principal who;
  SIMCLR_RETURN_IF_ERROR(Authenticate(auth_, context, &who));
  if (!request->has_spec()) {
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "spec: required");
  }
  return Reply(jobs_->Submit(request->spec(), request->request_id(), request->validate_only(),
                             who), response);
}

grpc::Status JobServiceImpl::GetJob(grpc::ServerContext* context,
                                    const v1::GetJobRequest* request,
                                    v1::Job* response) {
  Principal who;
  SIMCLR_RETURN_IF_ERROR(Authenticate(auth_, context, &who));
  SIMCLR_RETURN_IF_ERROR(CheckJobId("job_id", request->job_id()));
  return Reply(jobs_->Get(request->job_id(), who), response);
}

grpc::Status JobServiceImpl::ListJobs(grpc::ServerContext* context,
                                      const v1::ListJobsRequest* request,
                                      v1::ListJobsResponse* response) {
  Principal who;
  SIMCLR_RETURN_IF_ERROR(Authenticate(auth_, context, &who));
  SIMCLR_RETURN_IF_ERROR(ToGrpcStatus(CheckListFilter(*request)));
  JobQuery query;
  SIMCLR_RETURN_IF_ERROR(PageWindow(request->page_size(), request->page_token(), "ListJobs",
                                    &query.limit, &query.before_rowid));
  query.owner = request->owner();
  query.states.assign(request->states().begin(), request->states().end());
  query.kinds.assign(request->kinds().begin(), request->kinds().end());
  query.max_bytes = kMaxPageBytes;
  if (!request->labels().empty()) {
    query.also = [request](const v1::Job& job) { return HasLabels(*request, job); };
  }
  auto page = jobs_->List(std::move(query), who);
  if (!page.ok()) return ToGrpcStatus(page.status());
  for (auto& job : page->jobs) *response->add_jobs() = std::move(job);
  if (page->next_before_rowid > 0) {
    response->set_next_page_token(std::to_string(page->next_before_rowid));
  }
  return grpc::Status::OK;
}

grpc::Status JobServiceImpl::CancelJob(grpc::ServerContext* context,
                                       const v1::CancelJobRequest* request,
                                       v1::Job* response) {
  Principal who;
  SIMCLR_RETURN_IF_ERROR(Authenticate(auth_, context, &who));
  SIMCLR_RETURN_IF_ERROR(CheckJobId("job_id", request->job_id()));
  return Reply(jobs_->Cancel(request->job_id(), who), response);
}

grpc::Status JobServiceImpl::PauseJob(grpc::ServerContext* context,
                                      const v1::PauseJobRequest* request,
                                      v1::Job* response) {
  Principal who;
  SIMCLR_RETURN_IF_ERROR(Authenticate(auth_, context, &who));
  SIMCLR_RETURN_IF_ERROR(CheckJobId("job_id", request->job_id()));
  return Reply(jobs_->Pause(request->job_id(), who), response);
}

grpc::Status JobServiceImpl::ResumeJob(grpc::ServerContext* context,
                                       const v1::ResumeJobRequest* request,
                                       v1::Job* response) {
  Principal who;
  SIMCLR_RETURN_IF_ERROR(Authenticate(auth_, context, &who));
  SIMCLR_RETURN_IF_ERROR(CheckJobId("job_id", request->job_id()));
  return Reply(jobs_->Resume(request->job_id(), who), response);
}

grpc::Status JobServiceImpl::DeleteJob(grpc::ServerContext* context,
                                       const v1::DeleteJobRequest* request,
                                       v1::DeleteJobResponse*) {
  Principal who;
  SIMCLR_RETURN_IF_ERROR(Authenticate(auth_, context, &who));
  SIMCLR_RETURN_IF_ERROR(CheckJobId("job_id", request->job_id()));
  return ToGrpcStatus(jobs_->Delete(request->job_id(), who));
}

grpc::Status JobServiceImpl::RunFolderFor(const Principal& who, const std::string& job_id,
                                          std::string* run_folder) {
  SIMCLR_RETURN_IF_ERROR(CheckJobId("job_id", job_id));
  SIMCLR_RETURN_IF_ERROR(ToGrpcStatus(jobs_->CheckVisible(job_id, who)));
  *run_folder = core::layout::RunFolder(core::layout::JobFolder(data_dir_, job_id));
  return grpc::Status::OK;
}

grpc::Status JobServiceImpl::ListArtifacts(grpc::ServerContext* context,
                                           const v1::ListArtifactsRequest* request,
                                           v1::ListArtifactsResponse* response) {
  Principal who;
  SIMCLR_RETURN_IF_ERROR(Authenticate(auth_, context, &who));
  std::string run_folder;
  SIMCLR_RETURN_IF_ERROR(RunFolderFor(who, request->job_id(), &run_folder));
  for (auto& artifact : server::ListArtifacts(run_folder)) {
    *response->add_artifacts() = std::move(artifact);
  }
  return grpc::Status::OK;
}

grpc::Status JobServiceImpl::DownloadArtifact(
    grpc::ServerContext* context, const v1::DownloadArtifactRequest* request,
    grpc::ServerWriter<v1::DownloadCheckpointResponse>* writer) {
  Principal who;
  SIMCLR_RETURN_IF_ERROR(Authenticate(auth_, context, &who));
  SIMCLR_RETURN_IF_ERROR(CheckChunkSize(request->chunk_size()));
  std::string run_folder;
  SIMCLR_RETURN_IF_ERROR(RunFolderFor(who, request->job_id(), &run_folder));
  auto file = FindArtifact(run_folder, request->job_id(), request->name());
  if (!file.ok()) return ToGrpcStatus(file.status());
  return StreamFile(context, writer, *file, absl::StrCat(request->job_id(), "/", request->name()),
                    request->offset(), request->chunk_size());
}

grpc::Status JobServiceImpl::WatchJob(grpc::ServerContext* context,
                                      const v1::WatchJobRequest* request,
                                      grpc::ServerWriter<v1::JobEvent>* writer) {
  Principal who;
  SIMCLR_RETURN_IF_ERROR(Authenticate(auth_, context, &who));
  SIMCLR_RETURN_IF_ERROR(CheckJobId("job_id", request->job_id()));
  StreamLimiter::Slot slot;
  SIMCLR_RETURN_IF_ERROR(watches_.Acquire(&slot));
  uint64_t after = request->after_seq();
  while (!context->IsCancelled()) {
    // Short waits so a cancelled watcher or a server shutdown is noticed.
    auto batch = jobs_->Watch(request->job_id(), who, after, absl::Milliseconds(250));
    if (!batch.ok()) return ToGrpcStatus(batch.status());
    for (const auto& event : batch->events) {
      // Each watcher blocks only on its own stream: a slow one falls behind
      // alone and catches up from the store.
      if (!writer->Write(event)) {
        return grpc::Status(grpc::StatusCode::CANCELLED, "watcher went away");
      }
    }
    after = batch->through;
    if (batch->ended) return grpc::Status::OK;
  }
  return grpc::Status(grpc::StatusCode::CANCELLED, "watch cancelled");
}

}  // namespace simclr::server
