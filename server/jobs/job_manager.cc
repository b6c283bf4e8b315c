#include "server/jobs/job_manager.h"

#include <signal.h>

#include <algorithm>
#include <filesystem>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "core/common/field_error.h"
#include "core/common/layout.h"
#include "core/common/rank_env.h"
#include "core/common/status_macros.h"
#include "core/common/utf8.h"
#include "core/spec/checks.h"
#include "core/spec/job_kinds.h"
#include "core/worker/worker_protocol.h"
#include "glog/logging.h"
#include "server/common/not_found.h"
#include "server/jobs/job_records.h"
#include "server/jobs/rank_group_worker.h"
#include "server/jobs/spec_validation.h"

namespace simclr::server {
namespace {

constexpr int kStderrTailLines = 20;
constexpr int kDefaultMaxRestarts = 3;

int MaxRestarts(const v1::Job& job) {
  return job.spec().has_max_restarts() ? job.spec().max_restarts()
                                       : kDefaultMaxRestarts;
}

}  // namespace

absl::StatusOr<std::unique_ptr<JobManager>> JobManager::Create(
    const JobManagerOptions& options, JobStore* store) {
  std::unique_ptr<JobManager> manager(new JobManager(options, store));
  {
    absl::MutexLock lock(&manager->mu_);
    if (options.devices.empty()) {
      manager->slots_ =
          DeviceSlots::Uniform(options.default_device, std::max(1, options.max_concurrent_jobs));
    } else {
      SIMCLR_ASSIGN_OR_RETURN(manager->slots_, DeviceSlots::Parse(options.devices));
    }
  }
  SIMCLR_RETURN_IF_ERROR(manager->Recover());
  manager->scheduler_ = std::thread(&JobManager::SchedulerLoop, manager.get());
  return manager;
}

JobManager::~JobManager() { Shutdown(options_.stop_grace); }

std::string JobManager::JobFolder(const std::string& job_id) const {
  return core::layout::JobFolder(options_.data_dir, job_id);
}

absl::Status JobManager::Recover() {
  SIMCLR_RETURN_IF_ERROR(RemoveFoldersWithoutRecord());
  // Only what has not ended: ended jobs stay in the store, however many.
  SIMCLR_ASSIGN_OR_RETURN(auto jobs, store_->LoadActiveJobs());
  absl::MutexLock lock(&mu_);
  for (auto& job : jobs) {
    const std::string id = job.id();
    Entry& entry = jobs_[id];
    entry.job = std::move(job);
    entry.order = next_order_++;
    if (entry.job.state() != v1::JOB_STATE_RUNNING) continue;
    const ExitOutcome outcome =
        AfterServerRestart(entry.job.restart_count(), MaxRestarts(entry.job));
    if (outcome.restart) entry.job.set_restart_count(entry.job.restart_count() + 1);
    if (outcome.state == v1::JOB_STATE_FAILED) {
      entry.job.set_error(core::SafeText(outcome.reason, kMaxErrorBytes));
    }
    SIMCLR_RETURN_IF_ERROR(TransitionLocked(entry, outcome.state, outcome.reason));
    ForgetIfEndedLocked(id);
  }
  return absl::OkStatus();
}

void JobManager::ForgetIfEndedLocked(const std::string& job_id) {
  auto it = jobs_.find(job_id);
  if (it != jobs_.end() && IsTerminal(it->second.job.state()) && it->second.worker == nullptr) {
    jobs_.erase(it);
    ended_since_collection_ = true;
  }
}

absl::StatusOr<v1::Job> JobManager::EndedJob(const std::string& job_id, const Principal& who) {
  SIMCLR_ASSIGN_OR_RETURN(auto job, store_->GetJob(job_id));
  if (!job.has_value() || !MayAccess(who, job->owner())) return JobNotFound(job_id);
  return *std::move(job);
}

absl::Status JobManager::RefuseEnded(const std::string& job_id, const Principal& who,
                                     const char* action) {
  SIMCLR_ASSIGN_OR_RETURN(const v1::Job job, EndedJob(job_id, who));
  return absl::FailedPreconditionError(absl::StrCat("job ", job_id, " has already ended: ",
                                                    v1::JobState_Name(job.state()), "; ",
                                                    action));
}

absl::Status JobManager::TransitionLocked(Entry& entry, v1::JobState state,
                                          const std::string& reason) {
  v1::Job& job = entry.job;
  const v1::JobEvent event = ApplyStateChange(state, reason, job);
  if (IsTerminal(state)) ++finished_[{job.kind(), state}];
  LOG(INFO) << job.id() << " → " << v1::JobState_Name(state) << ": " << reason;
  return store_->AppendEventAndPutJob(event, job);
}

void JobManager::StopWorkerLocked(Entry& entry, Intent intent) {
  entry.intent = intent;
  if (entry.worker != nullptr) {
    entry.worker->Signal(SIGTERM);
    entry.kill_at = absl::Now() + options_.stop_grace;
  }
}

absl::StatusOr<v1::Job> JobManager::AwaitState(const std::string& job_id,
                                               absl::Duration timeout) {
  // Looked up on every wake: the entry goes once the job has ended.
  auto settled = [this, &job_id]() ABSL_NO_THREAD_SAFETY_ANALYSIS {
    auto it = jobs_.find(job_id);
    return it == jobs_.end() || it->second.job.state() != v1::JOB_STATE_RUNNING;
  };
  mu_.AwaitWithTimeout(absl::Condition(&settled), timeout);
  auto it = jobs_.find(job_id);
  if (it != jobs_.end()) return it->second.job;
  SIMCLR_ASSIGN_OR_RETURN(auto job, store_->GetJob(job_id));
  if (!job.has_value()) return JobNotFound(job_id);
  return *std::move(job);
}

absl::StatusOr<v1::Job> JobManager::Cancel(const std::string& job_id, const Principal& who) {
  // A report first, so that no step's end fails it meanwhile; then its steps.
  const std::vector<std::string> steps = LiveStepsOf(job_id, who);
  absl::StatusOr<v1::Job> cancelled = CancelOne(job_id, who);
  for (const std::string& step : steps) CancelOne(step, who).IgnoreError();
  return cancelled;
}

absl::StatusOr<v1::Job> JobManager::CancelOne(const std::string& job_id, const Principal& who) {
  absl::MutexLock lock(&mu_);
  Entry* found = FindLocked(job_id, who);
  if (found == nullptr) return RefuseEnded(job_id, who, "there is nothing to cancel");
  Entry& entry = *found;
  if (entry.job.state() == v1::JOB_STATE_RUNNING) {
    StopWorkerLocked(entry, Intent::kCancel);
    return AwaitState(job_id, options_.stop_grace + absl::Seconds(5));
  }
  SIMCLR_RETURN_IF_ERROR(TransitionLocked(entry, v1::JOB_STATE_CANCELLED, "cancelled by user"));
  const v1::Job cancelled = entry.job;
  ForgetIfEndedLocked(job_id);
  return cancelled;
}

absl::StatusOr<v1::Job> JobManager::Pause(const std::string& job_id, const Principal& who) {
  // A report's steps checkpoint and stop, or wait paused; the report too.
  for (const std::string& step : LiveStepsOf(job_id, who)) PauseOne(step, who).IgnoreError();
  return PauseOne(job_id, who);
}

absl::StatusOr<v1::Job> JobManager::PauseOne(const std::string& job_id, const Principal& who) {
  absl::MutexLock lock(&mu_);
  Entry* found = FindLocked(job_id, who);
  if (found == nullptr) {
    return RefuseEnded(job_id, who, "only a queued or running job can be paused");
  }
  Entry& entry = *found;
  switch (entry.job.state()) {
    case v1::JOB_STATE_RUNNING:
      StopWorkerLocked(entry, Intent::kPause);
      return AwaitState(job_id, options_.stop_grace + absl::Seconds(5));
    case v1::JOB_STATE_QUEUED:
      SIMCLR_RETURN_IF_ERROR(TransitionLocked(entry, v1::JOB_STATE_PAUSED,
                                    "paused by user before it started"));
      return entry.job;
    default:
      return absl::FailedPreconditionError(
          absl::StrCat("job ", job_id, " is ", v1::JobState_Name(entry.job.state()),
                       "; only a queued or running job can be paused"));
  }
}

absl::StatusOr<v1::Job> JobManager::Resume(const std::string& job_id, const Principal& who) {
  for (const std::string& step : LiveStepsOf(job_id, who)) ResumeOne(step, who).IgnoreError();
  return ResumeOne(job_id, who);
}

absl::StatusOr<v1::Job> JobManager::ResumeOne(const std::string& job_id, const Principal& who) {
  absl::MutexLock lock(&mu_);
  Entry* found = FindLocked(job_id, who);
  if (found == nullptr) return RefuseEnded(job_id, who, "only a paused job can be resumed");
  Entry& entry = *found;
  if (entry.job.state() != v1::JOB_STATE_PAUSED) {
    return absl::FailedPreconditionError(
        absl::StrCat("job ", job_id, " is ", v1::JobState_Name(entry.job.state()),
                     "; only a paused job can be resumed"));
  }
  SIMCLR_RETURN_IF_ERROR(TransitionLocked(entry, v1::JOB_STATE_QUEUED, "resumed by user"));
  wake_ = true;
  return entry.job;
}

int JobManager::RunningLocked() const {
  int running = 0;
  for (const auto& [id, entry] : jobs_) running += entry.worker != nullptr;
  return running;
}

void JobManager::StartLocked(Entry& entry, const std::vector<std::string>& devices) {
  const std::string id = entry.job.id();
  auto worker = LaunchLocked(entry.job, devices);
  if (!worker.ok()) {
    slots_.Release(id);
    entry.job.set_error(core::SafeText(worker.status().message(), kMaxErrorBytes));
    TransitionLocked(entry, v1::JOB_STATE_FAILED, entry.job.error()).IgnoreError();
    ForgetIfEndedLocked(id);  // `entry` is gone from here on
    return;
  }
  entry.worker = *std::move(worker);
  entry.intent = Intent::kNone;
  entry.kill_at = absl::InfiniteFuture();
  entry.job.clear_devices();
  for (const auto& device : devices) entry.job.add_devices(device);
  TransitionLocked(entry, v1::JOB_STATE_RUNNING,
                   absl::StrCat("worker started, pid ", entry.worker->pid(),
                                devices.size() > 1
                                    ? absl::StrCat(", ", devices.size(), " ranks")
                                    : ""))
      .IgnoreError();
}

void JobManager::OnEvent(const std::string& job_id, v1::JobEvent event) {
  absl::MutexLock lock(&mu_);
  // A running job stays in memory until its exit, which comes after its
  // last event; anything else is dropped rather than recorded on a stub.
  auto it = jobs_.find(job_id);
  if (it == jobs_.end()) {
    LOG(WARNING) << job_id << ": event from a worker of a job no longer live; dropped";
    return;
  }
  v1::Job& job = it->second.job;
  event.set_job_id(job_id);
  event.set_seq(job.last_event_seq() + 1);
  ApplyWorkerEvent(event, job);
  job.set_last_event_seq(event.seq());
  if (auto s = store_->AppendEventAndPutJob(event, job); !s.ok()) {
    LOG(ERROR) << job_id << ": cannot persist event " << event.seq() << ": " << s;
  }
}

void JobManager::OnExit(const std::string& job_id, const WorkerExit& exit) {
  absl::MutexLock lock(&mu_);
  auto it = jobs_.find(job_id);
  if (it == jobs_.end()) {
    LOG(WARNING) << job_id << ": exit of a worker of a job no longer live; ignored";
    return;
  }
  Entry& entry = it->second;
  exited_.push_back(std::move(entry.worker));
  wake_ = true;
  slots_.Release(job_id);
  v1::Job& job = entry.job;
  job.clear_devices();
  job.set_exit_code(exit.term_signal != 0 ? -exit.term_signal : exit.exit_code);
  const ExitOutcome outcome =
      AfterWorkerExit(exit, entry.intent, job.has_failure() ? &job.failure() : nullptr,
                      job.restart_count(), MaxRestarts(job));
  entry.intent = Intent::kNone;
  if (outcome.restart) job.set_restart_count(job.restart_count() + 1);
  if (outcome.state == v1::JOB_STATE_FAILED) {
    job.set_error(core::SafeText(outcome.reason, kMaxErrorBytes));
  }
  if (outcome.keep_stderr) {
    job.clear_stderr_tail();
    for (const auto& line :
         TailLines(core::layout::WorkerStderrPath(JobFolder(job_id)), kStderrTailLines)) {
      job.add_stderr_tail(line);
    }
  }
  if (auto s = TransitionLocked(entry, outcome.state, outcome.reason); !s.ok()) {
    LOG(ERROR) << job_id << ": " << s;
  }
  ForgetIfEndedLocked(job_id);
}

void JobManager::SchedulerLoop() {
  absl::Time last_collection = absl::InfinitePast();
  while (true) {
    std::vector<std::unique_ptr<Worker>> exited;
    bool collect = false;
    {
      absl::MutexLock lock(&mu_);
      mu_.AwaitWithTimeout(absl::Condition(&wake_), absl::Milliseconds(200));
      wake_ = false;
      exited.swap(exited_);
      if (shut_down_ && RunningLocked() == 0) break;
      const absl::Time now = absl::Now();
      for (auto& [id, entry] : jobs_) {
        if (entry.worker != nullptr && now >= entry.kill_at) {
          LOG(WARNING) << id << ": worker still running after the grace period; SIGKILL";
          entry.worker->Signal(SIGKILL);
          entry.kill_at = absl::InfiniteFuture();
        }
      }
      if (!stopping_) FailBlockedLocked();
      while (!stopping_ && RunningLocked() < options_.max_concurrent_jobs) {
        Entry* next = NextToStartLocked();
        if (next == nullptr) break;
        const v1::JobSpec& spec = next->job.spec();
        auto devices = slots_.Reserve(next->job.id(), spec.device(),
                                      spec.has_num_ranks() ? spec.num_ranks() : 1);
        if (!devices) break;  // it waits for slots, and nothing overtakes it
        StartLocked(*next, *devices);
      }
      // Retention: after a job ends, and once a minute for the age limit.
      collect = !stopping_ && (ended_since_collection_ ||
                               absl::Now() - last_collection > absl::Minutes(1));
      if (collect) ended_since_collection_ = false;
    }
    exited.clear();  // joins their reader threads, outside the lock
    if (collect) {
      CollectEndedJobs();
      last_collection = absl::Now();
    }
  }
  absl::MutexLock lock(&mu_);
  exited_.clear();
}

void JobManager::Shutdown(absl::Duration grace) {
  {
    absl::MutexLock lock(&mu_);
    if (shut_down_) return;
    stopping_ = true;
    for (auto& [id, entry] : jobs_) {
      if (entry.worker != nullptr) {
        StopWorkerLocked(entry, Intent::kShutdown);
        entry.kill_at = absl::Now() + grace;
      }
    }
    shut_down_ = true;
    wake_ = true;
  }
  if (scheduler_.joinable()) scheduler_.join();
}

}  // namespace simclr::server
