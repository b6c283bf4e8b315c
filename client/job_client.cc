#include "client/job_client.h"

#include "absl/strings/str_cat.h"
#include "client/list_all_pages.h"
#include "client/resumable_download.h"
#include "grpcpp/client_context.h"
#include "proto/grpc_status_conversion.h"

namespace simclr::client {
namespace {

// Waiting for a worker to checkpoint and exit can take the server's grace.
constexpr absl::Duration kStopAllowance = absl::Seconds(30);

template <typename Request, typename Call>
absl::StatusOr<v1::Job> CallForJob(absl::Duration timeout, const Request& request,
                                   Call call) {
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + timeout));
  v1::Job job;
  const grpc::Status status = call(&context, request, &job);
  if (!status.ok()) return FromGrpcStatus(status);
  return job;
}

}  // namespace

JobClient::JobClient(std::shared_ptr<grpc::Channel> channel,
                     absl::Duration timeout)
    : stub_(v1::JobService::NewStub(std::move(channel))), timeout_(timeout) {}

absl::StatusOr<v1::Job> JobClient::Submit(const v1::JobSpec& spec,
                                          const std::string& request_id,
                                          bool validate_only) {
  v1::SubmitJobRequest request;
  *request.mutable_spec() = spec;
  request.set_request_id(request_id);
  request.set_validate_only(validate_only);
  return CallForJob(timeout_, request, [&](auto* c, const auto& r, auto* j) {
    return stub_->SubmitJob(c, r, j);
  });
}

absl::StatusOr<v1::Job> JobClient::Get(const std::string& job_id) {
  v1::GetJobRequest request;
  request.set_job_id(job_id);
  return CallForJob(timeout_, request, [&](auto* c, const auto& r, auto* j) {
    return stub_->GetJob(c, r, j);
  });
}

absl::StatusOr<std::vector<v1::Job>> JobClient::List(const v1::ListJobsRequest& filter) {
  return ListAllPages<v1::Job, v1::ListJobsResponse>(
      filter, timeout_,
      [this](auto* c, const auto& r, auto* p) { return stub_->ListJobs(c, r, p); },
      [](const v1::ListJobsResponse& p) -> const auto& { return p.jobs(); });
}

absl::StatusOr<v1::Job> JobClient::Cancel(const std::string& job_id) {
  v1::CancelJobRequest request;
  request.set_job_id(job_id);
  return CallForJob(timeout_ + kStopAllowance, request,
                    [&](auto* c, const auto& r, auto* j) {
                      return stub_->CancelJob(c, r, j);
                    });
}

absl::StatusOr<v1::Job> JobClient::Pause(const std::string& job_id) {
  v1::PauseJobRequest request;
  request.set_job_id(job_id);
  return CallForJob(timeout_ + kStopAllowance, request,
                    [&](auto* c, const auto& r, auto* j) {
                      return stub_->PauseJob(c, r, j);
                    });
}

absl::Status JobClient::Delete(const std::string& job_id) {
  v1::DeleteJobRequest request;
  request.set_job_id(job_id);
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + timeout_));
  v1::DeleteJobResponse response;
  return FromGrpcStatus(stub_->DeleteJob(&context, request, &response));
}

absl::StatusOr<std::vector<v1::ArtifactFile>> JobClient::ListArtifacts(
    const std::string& job_id) {
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + timeout_));
  v1::ListArtifactsRequest request;
  request.set_job_id(job_id);
  v1::ListArtifactsResponse response;
  if (auto status = stub_->ListArtifacts(&context, request, &response); !status.ok()) {
    return FromGrpcStatus(status);
  }
  return std::vector<v1::ArtifactFile>(response.artifacts().begin(), response.artifacts().end());
}

absl::StatusOr<std::string> JobClient::DownloadArtifact(
    const std::string& job_id, const std::string& name, const std::string& destination,
    const std::function<void(int64_t, int64_t)>& progress) {
  return DownloadResumably(
      absl::StrCat(job_id, "/", name), destination,
      [&](grpc::ClientContext* context, int64_t offset) {
        v1::DownloadArtifactRequest request;
        request.set_job_id(job_id);
        request.set_name(name);
        request.set_offset(offset);
        return stub_->DownloadArtifact(context, request);
      },
      progress);
}

absl::StatusOr<v1::Job> JobClient::Resume(const std::string& job_id) {
  v1::ResumeJobRequest request;
  request.set_job_id(job_id);
  return CallForJob(timeout_, request, [&](auto* c, const auto& r, auto* j) {
    return stub_->ResumeJob(c, r, j);
  });
}

absl::Status JobClient::Watch(
    const std::string& job_id, uint64_t after_seq,
    const std::function<void(const v1::JobEvent&)>& on_event) {
  grpc::ClientContext context;
  v1::WatchJobRequest request;
  request.set_job_id(job_id);
  request.set_after_seq(after_seq);
  auto reader = stub_->WatchJob(&context, request);
  v1::JobEvent event;
  while (reader->Read(&event)) on_event(event);
  return FromGrpcStatus(reader->Finish());
}

}  // namespace simclr::client
