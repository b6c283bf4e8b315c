// The JobService from C++: submit, inspect, control and watch jobs.
#ifndef SIMCLR_CLIENT_JOB_CLIENT_H_
#define SIMCLR_CLIENT_JOB_CLIENT_H_

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "grpcpp/channel.h"
#include "simclr/v1/job.grpc.pb.h"

namespace simclr::client {

class JobClient {
 public:
  JobClient(std::shared_ptr<grpc::Channel> channel, absl::Duration timeout);

  // With `validate_only` the server checks the spec as a submit would and
  // returns the job it would make, queueing nothing.
  absl::StatusOr<v1::Job> Submit(const v1::JobSpec& spec,
                                 const std::string& request_id = "",
                                 bool validate_only = false);
  absl::StatusOr<v1::Job> Get(const std::string& job_id);
  // Every job matching the request's filters (all pages), newest first.
  absl::StatusOr<std::vector<v1::Job>> List(const v1::ListJobsRequest& filter = {});
  // These wait for the job to reach its new state, so their deadline is
  // the timeout plus the server's stop grace.
  absl::StatusOr<v1::Job> Cancel(const std::string& job_id);
  absl::StatusOr<v1::Job> Pause(const std::string& job_id);
  absl::StatusOr<v1::Job> Resume(const std::string& job_id);
  // Removes an ended job, its events, folder and checkpoints.
  absl::Status Delete(const std::string& job_id);

  // The files the job wrote (reports, pictures, tables, features).
  absl::StatusOr<std::vector<v1::ArtifactFile>> ListArtifacts(const std::string& job_id);
  // One of them to `destination`, resumably and SHA-256 checked, as
  // CheckpointClient::Download. Returns the SHA-256.
  absl::StatusOr<std::string> DownloadArtifact(
      const std::string& job_id, const std::string& name, const std::string& destination,
      const std::function<void(int64_t, int64_t)>& progress = nullptr);

  // Streams the job's events after `after_seq` to `on_event` until the job
  // ends (OK) or the stream fails. No deadline: a job may run for days.
  absl::Status Watch(const std::string& job_id, uint64_t after_seq,
                     const std::function<void(const v1::JobEvent&)>& on_event);

 private:
  std::unique_ptr<v1::JobService::Stub> stub_;
  absl::Duration timeout_;
};

}  // namespace simclr::client

#endif  // SIMCLR_CLIENT_JOB_CLIENT_H_
