// simclr.v1.JobService over the JobManager: translates requests, maps
// absl::Status to grpc::Status, and streams WatchJob.
#ifndef SIMCLR_SERVER_SERVICES_JOB_SERVICE_H_
#define SIMCLR_SERVER_SERVICES_JOB_SERVICE_H_

#include <string>

#include "server/jobs/job_manager.h"
#include "server/services/stream_limiter.h"
#include "simclr/v1/job.grpc.pb.h"

namespace simclr::server {

class TokenAuthenticator;

class JobServiceImpl final : public v1::JobService::Service {
 public:
  // `auth` may be null (no authentication).
  // `max_watches`: WatchJob streams open at once (each holds a thread).
  // `data_dir` holds the jobs' folders (their artifacts).
  JobServiceImpl(JobManager* jobs, const TokenAuthenticator* auth, int max_watches,
                 std::string data_dir)
      : jobs_(jobs),
        auth_(auth),
        watches_("watch streams", "--max_watch_streams", max_watches),
        data_dir_(std::move(data_dir)) {}

  grpc::Status SubmitJob(grpc::ServerContext* context,
                         const v1::SubmitJobRequest* request,
                         v1::Job* response) override;
  grpc::Status GetJob(grpc::ServerContext* context,
                      const v1::GetJobRequest* request,
                      v1::Job* response) override;
  grpc::Status ListJobs(grpc::ServerContext* context,
                        const v1::ListJobsRequest* request,
                        v1::ListJobsResponse* response) override;
  grpc::Status CancelJob(grpc::ServerContext* context,
                         const v1::CancelJobRequest* request,
                         v1::Job* response) override;
  grpc::Status PauseJob(grpc::ServerContext* context,
                        const v1::PauseJobRequest* request,
                        v1::Job* response) override;
  grpc::Status ResumeJob(grpc::ServerContext* context,
                         const v1::ResumeJobRequest* request,
                         v1::Job* response) override;
  grpc::Status DeleteJob(grpc::ServerContext* context,
                         const v1::DeleteJobRequest* request,
                         v1::DeleteJobResponse* response) override;
  // Replays the job's events after after_seq, then follows it live; ends
  // OK when the job has ended and every event was sent.
  grpc::Status WatchJob(grpc::ServerContext* context,
                        const v1::WatchJobRequest* request,
                        grpc::ServerWriter<v1::JobEvent>* writer) override;

  grpc::Status ListArtifacts(grpc::ServerContext* context,
                             const v1::ListArtifactsRequest* request,
                             v1::ListArtifactsResponse* response) override;
  grpc::Status DownloadArtifact(
      grpc::ServerContext* context, const v1::DownloadArtifactRequest* request,
      grpc::ServerWriter<v1::DownloadCheckpointResponse>* writer) override;

 private:
  // The run folder of a job the caller may see, or its refusal.
  grpc::Status RunFolderFor(const Principal& who, const std::string& job_id,
                            std::string* run_folder);

  JobManager* const jobs_;
  const TokenAuthenticator* const auth_;
  StreamLimiter watches_;
  const std::string data_dir_;
};

}  // namespace simclr::server

#endif  // SIMCLR_SERVER_SERVICES_JOB_SERVICE_H_
