// What a job's record learns from outside the queue: the spec its worker
// reads (the user's spec with dataset and checkpoint ids resolved to this
// server's folders), and what each worker event changes on the job. Pure
// functions; JobManager calls them under its lock.
#ifndef SIMCLR_SERVER_JOBS_JOB_RECORDS_H_
#define SIMCLR_SERVER_JOBS_JOB_RECORDS_H_

#include <functional>
#include <string>

#include "absl/status/statusor.h"
#include "core/worker/worker_protocol.h"
#include "simclr/v1/data.pb.h"
#include "simclr/v1/job.pb.h"
#include "simclr/v1/job_spec.pb.h"

namespace simclr::server {

// Error text a job keeps (it quotes workers and specs).
inline constexpr size_t kMaxErrorBytes = 4096;

struct IdResolvers {
  // dataset_id → its stored files; null: ids stay as they are.
  std::function<absl::StatusOr<v1::LocalDataset>(const std::string&)> dataset;
  // An evaluation subject's checkpoint_id → its folder.
  std::function<absl::StatusOr<std::string>(const std::string&)> checkpoint;
  // A pretraining job's id (EvalSubject.job_id) → its run folder.
  std::function<absl::StatusOr<std::string>(const std::string&)> job;
  // An uploaded model's id → its module file.
  std::function<absl::StatusOr<std::string>(const std::string&)> model;
};

// `spec` has passed core::ValidateJobSpec. FAILED_PRECONDITION naming the
// field ("spec.pretrain.data.train.dataset_id: …") for an id this server
// does not have.
absl::StatusOr<v1::JobSpec> ResolveWorkerSpec(const v1::JobSpec& spec,
                                              const IdResolvers& resolvers);

// How simclrd starts the worker of `job`, whose folder is `job_folder`.
// After a pause or a restart a resumable kind continues (from its newest
// checkpoint, or after its finished runs); the short evaluations rerun.
core::WorkerInvocation InvocationFor(const v1::Job& job, const std::string& job_folder,
                                     const std::string& worker_path, int default_threads,
                                     const std::string& default_device);

// Creates the job folder and writes the worker's spec.json in it
// (atomically).
absl::Status WriteJobFolder(const std::string& job_folder, const v1::JobSpec& worker_spec);

google::protobuf::Timestamp NowTimestamp();

// Moves `job` to `state` (its start and end times as they first happen)
// and returns the StateChange event, numbered after the job's last.
v1::JobEvent ApplyStateChange(v1::JobState state, const std::string& reason, v1::Job& job);

// Folds a worker's event into the job (progress, checkpoint ids, the
// reported failure) and gives a checkpoint event its id.
void ApplyWorkerEvent(v1::JobEvent& event, v1::Job& job);

}  // namespace simclr::server

#endif  // SIMCLR_SERVER_JOBS_JOB_RECORDS_H_
