// The job control plane: the queue, the worker processes and every job's
// state and events.
//
// Jobs wait in a queue ordered by priority, then submission, and run while
// fewer than max_concurrent_jobs run and the device slots (--devices) have
// room for their ranks: one slot per rank, never shared. The queue order
// holds: a job that waits for slots is not overtaken. Each runs as its own simclr-worker
// process whose JobEvents are numbered, persisted (JobStore) and then made
// visible to watchers. Every state change is persisted before the call
// that caused it returns. After a crash of the server, jobs that were
// running go back to the queue and resume from their last checkpoint, up
// to their max_restarts.
#ifndef SIMCLR_SERVER_JOBS_JOB_MANAGER_H_
#define SIMCLR_SERVER_JOBS_JOB_MANAGER_H_

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "server/auth/principal.h"
#include "server/jobs/device_slots.h"
#include "server/jobs/job_state_machine.h"
#include "server/jobs/path_policy.h"
#include "server/jobs/spec_validation.h"
#include "server/jobs/worker_launcher.h"
#include "server/jobs/worker_process.h"
#include "server/store/job_store.h"
#include "simclr/v1/data.pb.h"
#include "simclr/v1/job.pb.h"

namespace simclr::server {

struct JobManagerOptions {
  std::string data_dir;     // jobs live in data_dir/jobs/<id>/
  std::string worker_path;  // the simclr-worker binary
  std::string default_device = "cpu";
  int max_concurrent_jobs = 1;
  // The device slots (DeviceSlots::Parse); empty: max_concurrent_jobs
  // slots of default_device.
  std::string devices;
  // LibTorch threads of a worker when its spec says 0.
  int worker_threads = 0;
  // Cancel and pause: SIGTERM, then SIGKILL after this long.
  absl::Duration stop_grace = absl::Seconds(10);
  // Maps a spec's dataset_id to the stored files (the DatasetManager),
  // NOT_FOUND unless the principal may read it.
  std::function<absl::StatusOr<v1::LocalDataset>(const std::string&, const Principal&)>
      resolve_dataset;
  // Maps a checkpoint_id to its folder (the owner check is the manager's:
  // a checkpoint belongs to its job's owner).
  std::function<absl::StatusOr<std::string>(const std::string&)> resolve_checkpoint;
  // Maps a spec's model_id to the stored module (the ModelManager),
  // NOT_FOUND unless the principal may read it.
  std::function<absl::StatusOr<std::string>(const std::string&, const Principal&)>
      resolve_model;
  // The server paths a spec may name (none by default).
  PathPolicy path_policy;
  // Queued, running and paused jobs one principal may have at once.
  int max_active_jobs_per_principal = 100;
  // Retention of ended jobs (0: no limit): the newest `keep_ended_jobs`,
  // and none that ended longer than `keep_ended_for` ago. A job whose
  // checkpoints a live job reads is kept whatever these say.
  int64_t keep_ended_jobs = 0;
  absl::Duration keep_ended_for = absl::ZeroDuration();
  // Whether a spec's device exists here; null accepts any valid name.
  DeviceCheck check_device;
  // Starts workers; null: simclr-worker processes (NewProcessLauncher).
  std::shared_ptr<WorkerLauncher> launcher;
};

class JobManager {
 public:
  static absl::StatusOr<std::unique_ptr<JobManager>> Create(
      const JobManagerOptions& options, JobStore* store);
  // Shutdown(stop_grace) if not done yet.
  ~JobManager();

  // Every call acts for a principal: a job of another user answers as an
  // unknown id does (NOT_FOUND "job <id> not found"), unless `who` is an
  // admin.
  //
  // Validates and queues a job owned by `who`. A repeated request_id of
  // the same principal returns the first submit's job. With
  // `validate_only`, returns the job it would make (without an id) and
  // stores nothing. RESOURCE_EXHAUSTED naming the quota past
  // max_active_jobs_per_principal.
  absl::StatusOr<v1::Job> Submit(const v1::JobSpec& spec, const std::string& request_id,
                                 bool validate_only, const Principal& who);
  absl::StatusOr<v1::Job> Get(const std::string& job_id, const Principal& who);
  // OK when the job exists and `who` may see it (a checkpoint's owner check).
  absl::Status CheckVisible(const std::string& job_id, const Principal& who);
  // Whether a queued, running or paused job reads the dataset, or the model.
  bool DatasetInUse(const std::string& dataset_id);
  bool ModelInUse(const std::string& model_id);
  // FAILED_PRECONDITION while the checkpoint's job runs, or while a job
  // that has not ended reads it.
  absl::Status CheckCheckpointDeletable(const std::string& checkpoint_id);
  // A page of the jobs `who` may see, newest first, read from the store
  // (an admin sees every owner's unless query.owner narrows it; a user's
  // query is held to their own).
  absl::StatusOr<JobPage> List(JobQuery query, const Principal& who);
  // Every job `who` may see, page after page (the checkpoint listing).
  absl::StatusOr<std::vector<v1::Job>> ListAll(const Principal& who);
  // Each returns once the job has reached its new state (a running worker
  // is stopped first: SIGTERM, then SIGKILL after stop_grace). On a report
  // each acts on its steps that have not ended too.
  absl::StatusOr<v1::Job> Cancel(const std::string& job_id, const Principal& who);
  absl::StatusOr<v1::Job> Pause(const std::string& job_id, const Principal& who);
  absl::StatusOr<v1::Job> Resume(const std::string& job_id, const Principal& who);
  // Removes an ended job's record, events and folder (a report's: its
  // steps' too). FAILED_PRECONDITION while it (or a step) has not ended, or
  // while a job that has not ended reads one of its checkpoints or waits
  // for it.
  absl::Status Delete(const std::string& job_id, const Principal& who);

  struct WatchBatch {
    std::vector<v1::JobEvent> events;
    // The seq the next Watch starts after (past unreadable rows too).
    uint64_t through = 0;
    // The job has ended and `events` reach its last event.
    bool ended = false;
  };
  // The job's events after `after_seq`, waiting up to `wait` for one when
  // there are none yet. OUT_OF_RANGE naming after_seq when it is past the
  // job's newest event.
  absl::StatusOr<WatchBatch> Watch(const std::string& job_id, const Principal& who,
                                   uint64_t after_seq, absl::Duration wait);

  struct Stats {
    std::map<int, int> by_state;                   // JobState → jobs
    std::map<std::pair<int, int>, int> finished;   // (JobKind, JobState) → ended since start
    int queue_depth = 0;
    double samples_per_second = 0;                 // summed over running jobs
    std::map<int, double> loss_by_kind;            // latest loss of running jobs
  };
  Stats GetStats();

  // Stops starting jobs, asks running workers to checkpoint and stop
  // (they go back to the queue for the next start), and waits up to
  // `grace` before killing what still runs.
  void Shutdown(absl::Duration grace);

 private:
  struct Entry {
    v1::Job job;
    int64_t order = 0;  // submission order, for FIFO within a priority
    std::unique_ptr<Worker> worker;
    Intent intent = Intent::kNone;
    absl::Time kill_at = absl::InfiniteFuture();
  };

  JobManager(const JobManagerOptions& options, JobStore* store)
      : options_(options),
        launcher_(options.launcher ? options.launcher : NewProcessLauncher()),
        store_(store) {}
  // Cancel, Pause and Resume of one job; the public ones add a report's
  // steps.
  absl::StatusOr<v1::Job> CancelOne(const std::string& job_id, const Principal& who);
  absl::StatusOr<v1::Job> PauseOne(const std::string& job_id, const Principal& who);
  absl::StatusOr<v1::Job> ResumeOne(const std::string& job_id, const Principal& who);
  absl::Status Recover();
  // Job folders whose record was never written or already deleted.
  absl::Status RemoveFoldersWithoutRecord();
  // Deletes what the retention options no longer keep; returns how many.
  int CollectEndedJobs();
  // The store's record, then the folder (a crash in between leaves a
  // folder the next start removes).
  absl::Status RemoveJobLocked(const std::string& job_id) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // The job if it has not ended and `who` may see it, else null.
  Entry* FindLocked(const std::string& job_id, const Principal& who)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Only jobs that have not ended stay in memory.
  void ForgetIfEndedLocked(const std::string& job_id) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // An ended job from the store, NOT_FOUND unless `who` may see it.
  absl::StatusOr<v1::Job> EndedJob(const std::string& job_id, const Principal& who);
  // FAILED_PRECONDITION "has already ended … `action`", or NOT_FOUND.
  absl::Status RefuseEnded(const std::string& job_id, const Principal& who, const char* action);
  // The spec's checkpoint ids resolved for `who` (the owner check), and its
  // local paths checked against the path policy: the worker's spec. Job ids
  // in `planned` (a report's steps, submitted together) need no record yet.
  absl::StatusOr<v1::JobSpec> WorkerSpecFor(const v1::JobSpec& spec, const Principal& who,
                                            const std::map<std::string, std::string>& planned = {});
  // A report: its steps as jobs of their own, then the report, which
  // depends on them all (job_manager_report.cc).
  absl::StatusOr<v1::Job> SubmitReport(const v1::JobSpec& spec, const std::string& request_id,
                                       bool validate_only, const Principal& who);
  std::string NewJobIdLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // `count` fresh job ids, reserved under the lock.
  std::vector<std::string> NewJobIds(int count) ABSL_LOCKS_EXCLUDED(mu_);
  static std::string RequestKey(const std::string& request_id, const Principal& who);
  // The job an earlier submit with this key made, if any.
  absl::StatusOr<std::optional<v1::Job>> FindRequestLocked(const std::string& request_key)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Writes the job's folder and record (QUEUED) and queues it.
  absl::StatusOr<v1::Job> CreateJobLocked(v1::Job job, const v1::JobSpec& worker_spec,
                                          const std::string& request_key)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Dependencies (Job.depends_on): a queued job starts once all succeeded,
  // and fails once one ended otherwise or is gone.
  enum class Readiness { kReady, kWaiting, kBlocked };
  Readiness ReadinessLocked(const Entry& entry, std::string* why)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void FailBlockedLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // The steps of a report that have not ended (none for other jobs).
  std::vector<std::string> LiveStepsOf(const std::string& job_id, const Principal& who);
  // Whether a job that has not ended reads a checkpoint of `job_id` (or
  // exactly `checkpoint_id` when it is set).
  bool CheckpointsInUseLocked(const std::string& job_id, const std::string& checkpoint_id)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Room for `new_jobs` more active jobs of `who`.
  absl::Status CheckQuotaLocked(const Principal& who, int new_jobs = 1)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void SchedulerLoop();
  // Persists a state change (as a job event and the job) and wakes waiters.
  absl::Status TransitionLocked(Entry& entry, v1::JobState state,
                                const std::string& reason)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Starts the job's workers on `devices`, one per rank (their slots).
  void StartLocked(Entry& entry, const std::vector<std::string>& devices)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // A job's one worker, or its ranks as a group (rank_group_worker.h).
  absl::StatusOr<std::unique_ptr<Worker>> LaunchLocked(const v1::Job& job,
                                                       const std::vector<std::string>& devices)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // INVALID_ARGUMENT naming num_ranks (or device) when this server's slots
  // can never hold the job.
  absl::Status CheckSlotsLocked(const v1::JobSpec& spec) const
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // The queued job to start next, or null; waiting for dependencies skips
  // a job, waiting for slots does not.
  Entry* NextToStartLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void StopWorkerLocked(Entry& entry, Intent intent)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::StatusOr<v1::Job> AwaitState(const std::string& job_id,
                                     absl::Duration timeout)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void OnEvent(const std::string& job_id, v1::JobEvent event);
  void OnExit(const std::string& job_id, const WorkerExit& exit);
  // data_dir/jobs/ID (core/common/layout.h); the worker runs in its run/.
  std::string JobFolder(const std::string& job_id) const;
  int RunningLocked() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const JobManagerOptions options_;
  const std::shared_ptr<WorkerLauncher> launcher_;
  JobStore* const store_;

  absl::Mutex mu_;
  // The jobs that have not ended; the store holds every job.
  std::map<std::string, Entry> jobs_ ABSL_GUARDED_BY(mu_);
  DeviceSlots slots_ ABSL_GUARDED_BY(mu_);
  int64_t next_order_ ABSL_GUARDED_BY(mu_) = 0;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  bool shut_down_ ABSL_GUARDED_BY(mu_) = false;
  // Something for the scheduler: a submit, a resume, an exit, shutdown.
  bool wake_ ABSL_GUARDED_BY(mu_) = false;
  std::map<std::pair<int, int>, int> finished_ ABSL_GUARDED_BY(mu_);
  // A job ended since retention last looked.
  bool ended_since_collection_ ABSL_GUARDED_BY(mu_) = false;
  // Workers whose process has exited, joined outside the lock.
  std::vector<std::unique_ptr<Worker>> exited_ ABSL_GUARDED_BY(mu_);
  std::thread scheduler_;
};

}  // namespace simclr::server

#endif  // SIMCLR_SERVER_JOBS_JOB_MANAGER_H_
