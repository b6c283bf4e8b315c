#include "server/jobs/job_manager.h"

#include <signal.h>

#include <filesystem>
#include <fstream>

#include "absl/random/random.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "core/common/job_spec_json.h"
#include "glog/logging.h"
#include "google/protobuf/util/time_util.h"
#include "server/checkpoints/checkpoint_catalog.h"
#include "server/jobs/spec_validation.h"

namespace simclr::server {
namespace {

using google::protobuf::util::TimeUtil;

// The worker's exit code for "stopped on request, with a checkpoint".
constexpr int kExitStopped = 75;
constexpr int kStderrTailLines = 20;
constexpr int kDefaultMaxRestarts = 3;

std::string NewJobId() {
  absl::BitGen random;
  return absl::StrFormat("job-%012x",
                         absl::Uniform<uint64_t>(random) & 0xffffffffffffULL);
}

google::protobuf::Timestamp Now() {
  return TimeUtil::NanosecondsToTimestamp(absl::ToUnixNanos(absl::Now()));
}

int MaxRestarts(const v1::Job& job) {
  return job.spec().has_max_restarts() ? job.spec().max_restarts()
                                       : kDefaultMaxRestarts;
}

// The reason a worker failed: its last "job failed" / error log line, else
// how it exited.
std::string FailureReason(const WorkerExit& exit,
                          const std::vector<std::string>& stderr_tail) {
  if (!exit.stream_error.empty()) return exit.stream_error;
  for (auto line = stderr_tail.rbegin(); line != stderr_tail.rend(); ++line) {
    const auto at = line->find("job failed: ");
    if (at != std::string::npos) return line->substr(at + 12);
  }
  if (exit.term_signal != 0) {
    return absl::StrCat("worker killed by signal ", exit.term_signal, " (",
                        strsignal(exit.term_signal), ")");
  }
  return absl::StrCat("worker exited with code ", exit.exit_code);
}

// The data config of a spec's kind, and its field path.
std::pair<v1::DataConfig*, std::string> DataOf(v1::JobSpec* spec) {
  switch (spec->kind_case()) {
    case v1::JobSpec::kPretrain:
      return {spec->mutable_pretrain()->mutable_data(), "pretrain.data"};
    case v1::JobSpec::kLinearEval:
      return {spec->mutable_linear_eval()->mutable_data(), "linear_eval.data"};
    case v1::JobSpec::kFinetune:
      return {spec->mutable_finetune()->mutable_data(), "finetune.data"};
    case v1::JobSpec::kTsne:
      return {spec->mutable_tsne()->mutable_data(), "tsne.data"};
    case v1::JobSpec::KIND_NOT_SET:
      break;
  }
  return {nullptr, ""};
}

// The evaluation subjects of a spec, with their field paths.
std::vector<std::pair<v1::EvalSubject*, std::string>> SubjectsOf(v1::JobSpec* spec) {
  std::vector<std::pair<v1::EvalSubject*, std::string>> subjects;
  auto add_all = [&](auto* repeated, const std::string& field) {
    for (int i = 0; i < repeated->size(); ++i) {
      subjects.emplace_back(repeated->Mutable(i), absl::StrCat(field, "[", i, "]"));
    }
  };
  if (spec->has_linear_eval()) {
    add_all(spec->mutable_linear_eval()->mutable_subjects(), "linear_eval.subjects");
  }
  if (spec->has_finetune()) {
    add_all(spec->mutable_finetune()->mutable_subjects(), "finetune.subjects");
  }
  if (spec->has_tsne()) {
    subjects.emplace_back(spec->mutable_tsne()->mutable_subject(), "tsne.subject");
  }
  return subjects;
}

}  // namespace

bool IsTerminal(v1::JobState state) {
  return state == v1::JOB_STATE_SUCCEEDED || state == v1::JOB_STATE_FAILED ||
         state == v1::JOB_STATE_CANCELLED;
}

absl::StatusOr<std::unique_ptr<JobManager>> JobManager::Create(
    const JobManagerOptions& options, JobStore* store) {
  std::unique_ptr<JobManager> manager(new JobManager(options, store));
  if (auto status = manager->Recover(); !status.ok()) return status;
  manager->scheduler_ = std::thread(&JobManager::SchedulerLoop, manager.get());
  return manager;
}

JobManager::~JobManager() { Shutdown(options_.stop_grace); }

std::string JobManager::JobDir(const std::string& job_id) const {
  return absl::StrCat(options_.data_dir, "/jobs/", job_id);
}

absl::Status JobManager::Recover() {
  auto jobs = store_->LoadJobs();
  if (!jobs.ok()) return jobs.status();
  absl::MutexLock lock(&mu_);
  for (auto& job : *jobs) {
    Entry& entry = jobs_[job.id()];
    entry.job = std::move(job);
    entry.order = next_order_++;
    if (entry.job.state() != v1::JOB_STATE_RUNNING) continue;
    // The server died under this job: its worker is gone (it stops with
    // its parent), and the job continues from its last checkpoint.
    if (entry.job.restart_count() >= MaxRestarts(entry.job)) {
      entry.job.set_error(absl::StrCat("the server restarted while the job ran, ",
                                       "and it has used its ", MaxRestarts(entry.job),
                                       " restarts"));
      if (auto s = TransitionLocked(entry, v1::JOB_STATE_FAILED,
                                    "server restarted; no restarts left");
          !s.ok()) {
        return s;
      }
      continue;
    }
    entry.job.set_restart_count(entry.job.restart_count() + 1);
    if (auto s = TransitionLocked(
            entry, v1::JOB_STATE_QUEUED,
            absl::StrCat("server restarted; resuming from the last checkpoint "
                         "(restart ",
                         entry.job.restart_count(), " of ",
                         MaxRestarts(entry.job), ")"));
        !s.ok()) {
      return s;
    }
  }
  return absl::OkStatus();
}

absl::Status JobManager::TransitionLocked(Entry& entry, v1::JobState state,
                                          const std::string& reason) {
  v1::Job& job = entry.job;
  job.set_state(state);
  if (state == v1::JOB_STATE_RUNNING && !job.has_start_time()) {
    *job.mutable_start_time() = Now();
  }
  if (IsTerminal(state)) {
    *job.mutable_end_time() = Now();
    ++finished_[{job.kind(), state}];
  }
  v1::JobEvent event;
  event.set_seq(job.last_event_seq() + 1);
  event.set_job_id(job.id());
  *event.mutable_time() = Now();
  event.mutable_state_change()->set_state(state);
  event.mutable_state_change()->set_reason(reason);
  job.set_last_event_seq(event.seq());
  LOG(INFO) << job.id() << " → " << v1::JobState_Name(state) << ": " << reason;
  return store_->AppendEventAndPutJob(event, job);
}

absl::StatusOr<v1::Job> JobManager::Submit(const v1::JobSpec& spec,
                                           const std::string& request_id) {
  if (request_id.size() > 128) {
    return absl::InvalidArgumentError("request_id: longer than 128 characters");
  }
  // The worker's copy of the spec names the stored files of uploaded
  // datasets; the job keeps the user's spec.
  v1::JobSpec worker_spec = spec;
  if (auto [data, field] = DataOf(&worker_spec);
      data != nullptr && options_.resolve_dataset) {
    for (const char* name : {"train", "test"}) {
      // has_ first: mutable_ would plant an empty source in the spec.
      const bool train = std::string(name) == "train";
      if (!(train ? data->has_train() : data->has_test())) continue;
      v1::DataSource* source = train ? data->mutable_train() : data->mutable_test();
      if (!source->has_dataset_id()) continue;
      auto local = options_.resolve_dataset(source->dataset_id());
      if (!local.ok()) {
        return absl::FailedPreconditionError(
            absl::StrCat("spec.", field, ".", name, ".dataset_id: ",
                         local.status().message()));
      }
      *source->mutable_local() = *local;
    }
  }
  if (options_.resolve_checkpoint) {
    for (auto [subject, field] : SubjectsOf(&worker_spec)) {
      if (!subject->has_checkpoint_id()) continue;
      auto folder = options_.resolve_checkpoint(subject->checkpoint_id());
      if (!folder.ok()) {
        return absl::FailedPreconditionError(absl::StrCat(
            "spec.", field, ".checkpoint_id: ", folder.status().message()));
      }
      subject->set_checkpoint_path(*folder);
    }
  }
  if (auto status = ValidateJobSpec(worker_spec); !status.ok()) return status;
  absl::MutexLock lock(&mu_);
  if (stopping_) return absl::UnavailableError("the server is shutting down");
  if (!request_id.empty()) {
    auto previous = store_->JobForRequest(request_id);
    if (!previous.ok()) return previous.status();
    if (previous->has_value()) {
      auto it = jobs_.find(**previous);
      if (it != jobs_.end()) return it->second.job;
    }
  }
  std::string id = NewJobId();
  while (jobs_.count(id) > 0) id = NewJobId();
  const std::string dir = JobDir(id);
  std::error_code error;
  std::filesystem::create_directories(dir, error);
  auto json = core::JobSpecToJson(worker_spec);
  if (error || !json.ok()) {
    return absl::InternalError(absl::StrCat("cannot create ", dir, ": ",
                                            error ? error.message() : "spec"));
  }
  {
    std::ofstream out(dir + "/spec.json");
    out << *json;
    if (!out.flush()) {
      return absl::InternalError(absl::StrCat("cannot write ", dir, "/spec.json"));
    }
  }
  Entry entry;
  entry.order = next_order_++;
  entry.job.set_id(id);
  *entry.job.mutable_spec() = spec;
  entry.job.set_kind(KindOf(spec));
  *entry.job.mutable_create_time() = Now();
  // The record (with its request id) first, then the QUEUED transition.
  entry.job.set_state(v1::JOB_STATE_QUEUED);
  if (auto s = store_->PutJob(entry.job, request_id); !s.ok()) return s;
  if (auto s = TransitionLocked(entry, v1::JOB_STATE_QUEUED, "submitted");
      !s.ok()) {
    return s;
  }
  auto& stored = jobs_[id] = std::move(entry);
  wake_ = true;
  return stored.job;
}

absl::StatusOr<v1::Job> JobManager::Get(const std::string& job_id) {
  absl::MutexLock lock(&mu_);
  auto it = jobs_.find(job_id);
  if (it == jobs_.end()) {
    return absl::NotFoundError(absl::StrCat("job ", job_id, " not found"));
  }
  return it->second.job;
}

bool JobManager::DatasetInUse(const std::string& dataset_id) {
  absl::MutexLock lock(&mu_);
  for (auto& [id, entry] : jobs_) {
    if (IsTerminal(entry.job.state())) continue;
    v1::JobSpec spec = entry.job.spec();
    auto [data, field] = DataOf(&spec);
    if (data != nullptr && (data->train().dataset_id() == dataset_id ||
                            data->test().dataset_id() == dataset_id)) {
      return true;
    }
  }
  return false;
}

std::vector<v1::Job> JobManager::List() {
  absl::MutexLock lock(&mu_);
  std::vector<const Entry*> entries;
  for (const auto& [id, entry] : jobs_) entries.push_back(&entry);
  std::sort(entries.begin(), entries.end(),
            [](const Entry* a, const Entry* b) { return a->order > b->order; });
  std::vector<v1::Job> jobs;
  jobs.reserve(entries.size());
  for (const Entry* entry : entries) jobs.push_back(entry->job);
  return jobs;
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
  const Entry& entry = jobs_[job_id];
  auto settled = [&entry]() {
    return entry.job.state() != v1::JOB_STATE_RUNNING;
  };
  mu_.AwaitWithTimeout(absl::Condition(&settled), timeout);
  return entry.job;
}

absl::StatusOr<v1::Job> JobManager::Cancel(const std::string& job_id) {
  absl::MutexLock lock(&mu_);
  auto it = jobs_.find(job_id);
  if (it == jobs_.end()) {
    return absl::NotFoundError(absl::StrCat("job ", job_id, " not found"));
  }
  Entry& entry = it->second;
  if (IsTerminal(entry.job.state())) {
    return absl::FailedPreconditionError(
        absl::StrCat("job ", job_id, " has already ended: ",
                     v1::JobState_Name(entry.job.state())));
  }
  if (entry.job.state() == v1::JOB_STATE_RUNNING) {
    StopWorkerLocked(entry, Intent::kCancel);
    return AwaitState(job_id, options_.stop_grace + absl::Seconds(5));
  }
  if (auto s = TransitionLocked(entry, v1::JOB_STATE_CANCELLED, "cancelled by user");
      !s.ok()) {
    return s;
  }
  return entry.job;
}

absl::StatusOr<v1::Job> JobManager::Pause(const std::string& job_id) {
  absl::MutexLock lock(&mu_);
  auto it = jobs_.find(job_id);
  if (it == jobs_.end()) {
    return absl::NotFoundError(absl::StrCat("job ", job_id, " not found"));
  }
  Entry& entry = it->second;
  switch (entry.job.state()) {
    case v1::JOB_STATE_RUNNING:
      StopWorkerLocked(entry, Intent::kPause);
      return AwaitState(job_id, options_.stop_grace + absl::Seconds(5));
    case v1::JOB_STATE_QUEUED:
      if (auto s = TransitionLocked(entry, v1::JOB_STATE_PAUSED,
                                    "paused by user before it started");
          !s.ok()) {
        return s;
      }
      return entry.job;
    default:
      return absl::FailedPreconditionError(
          absl::StrCat("job ", job_id, " is ", v1::JobState_Name(entry.job.state()),
                       "; only a queued or running job can be paused"));
  }
}

absl::StatusOr<v1::Job> JobManager::Resume(const std::string& job_id) {
  absl::MutexLock lock(&mu_);
  auto it = jobs_.find(job_id);
  if (it == jobs_.end()) {
    return absl::NotFoundError(absl::StrCat("job ", job_id, " not found"));
  }
  Entry& entry = it->second;
  if (entry.job.state() != v1::JOB_STATE_PAUSED) {
    return absl::FailedPreconditionError(
        absl::StrCat("job ", job_id, " is ", v1::JobState_Name(entry.job.state()),
                     "; only a paused job can be resumed"));
  }
  if (auto s = TransitionLocked(entry, v1::JOB_STATE_QUEUED, "resumed by user");
      !s.ok()) {
    return s;
  }
  wake_ = true;
  return entry.job;
}

absl::StatusOr<JobManager::WatchBatch> JobManager::Watch(
    const std::string& job_id, uint64_t after_seq, absl::Duration wait) {
  {
    absl::MutexLock lock(&mu_);
    auto it = jobs_.find(job_id);
    if (it == jobs_.end()) {
      return absl::NotFoundError(absl::StrCat("job ", job_id, " not found"));
    }
    const v1::Job& job = it->second.job;
    auto news = [&job, after_seq]() { return job.last_event_seq() > after_seq; };
    mu_.AwaitWithTimeout(absl::Condition(&news), wait);
  }
  WatchBatch batch;
  auto events = store_->EventsAfter(job_id, after_seq, 500);
  if (!events.ok()) return events.status();
  batch.events = *std::move(events);
  absl::MutexLock lock(&mu_);
  const v1::Job& job = jobs_[job_id].job;
  const uint64_t seen = batch.events.empty() ? after_seq : batch.events.back().seq();
  batch.ended = IsTerminal(job.state()) && seen >= job.last_event_seq();
  return batch;
}

JobManager::Stats JobManager::GetStats() {
  absl::MutexLock lock(&mu_);
  Stats stats;
  stats.finished = finished_;
  for (const auto& [id, entry] : jobs_) {
    const v1::Job& job = entry.job;
    ++stats.by_state[job.state()];
    if (job.state() == v1::JOB_STATE_QUEUED) ++stats.queue_depth;
    if (job.state() == v1::JOB_STATE_RUNNING && job.progress().step() > 0) {
      stats.samples_per_second += job.progress().samples_per_second();
      stats.loss_by_kind[job.kind()] = job.progress().loss();
    }
  }
  return stats;
}

int JobManager::RunningLocked() const {
  int running = 0;
  for (const auto& [id, entry] : jobs_) running += entry.worker != nullptr;
  return running;
}

void JobManager::StartLocked(Entry& entry) {
  const v1::Job& job = entry.job;
  const std::string dir = JobDir(job.id());
  const int threads = job.spec().num_threads() > 0 ? job.spec().num_threads()
                                                   : options_.worker_threads;
  // After a pause or a restart, pretraining resumes from its newest
  // checkpoint and fine-tuning skips its finished runs (both start fresh
  // when there is nothing to resume); the short evaluations rerun.
  const bool resumable = job.kind() == v1::JOB_KIND_PRETRAIN ||
                         job.kind() == v1::JOB_KIND_FINETUNE;
  std::vector<std::string> argv = {
      options_.worker_path,
      "--num_threads", std::to_string(threads),
      resumable ? "resume" : "run",
      "--spec", dir + "/spec.json",
      "--job_dir", dir + "/run",
      "--events", "delimited",
      "--device", job.spec().device().empty() ? options_.default_device
                                              : job.spec().device(),
      "--stop_with_parent"};
  const std::string id = job.id();
  auto worker = WorkerProcess::Start(
      argv, dir + "/worker.stderr",
      [this, id](v1::JobEvent event) { OnEvent(id, std::move(event)); },
      [this, id](const WorkerExit& exit) { OnExit(id, exit); });
  if (!worker.ok()) {
    entry.job.set_error(std::string(worker.status().message()));
    TransitionLocked(entry, v1::JOB_STATE_FAILED, entry.job.error()).IgnoreError();
    return;
  }
  entry.worker = *std::move(worker);
  entry.intent = Intent::kNone;
  entry.kill_at = absl::InfiniteFuture();
  TransitionLocked(entry, v1::JOB_STATE_RUNNING,
                   absl::StrCat("worker started, pid ", entry.worker->pid()))
      .IgnoreError();
}

void JobManager::OnEvent(const std::string& job_id, v1::JobEvent event) {
  absl::MutexLock lock(&mu_);
  v1::Job& job = jobs_[job_id].job;
  event.set_job_id(job_id);
  event.set_seq(job.last_event_seq() + 1);
  if (event.has_progress()) {
    const v1::TrainProgress& p = event.progress();
    v1::JobProgress* progress = job.mutable_progress();
    progress->set_epoch(p.epoch());
    progress->set_step(p.step());
    progress->set_total_steps(p.total_steps());
    progress->set_loss(p.loss());
    progress->set_samples_per_second(p.samples_per_second());
    *progress->mutable_eta() = p.eta();
  }
  if (event.has_checkpoint()) {
    const std::string id = CheckpointId(job_id, event.checkpoint().step());
    event.mutable_checkpoint()->set_checkpoint_id(id);
    job.set_latest_checkpoint_id(id);
    if (event.checkpoint().is_best()) job.set_best_checkpoint_id(id);
  }
  job.set_last_event_seq(event.seq());
  if (auto s = store_->AppendEventAndPutJob(event, job); !s.ok()) {
    LOG(ERROR) << job_id << ": cannot persist event " << event.seq() << ": " << s;
  }
}

void JobManager::OnExit(const std::string& job_id, const WorkerExit& exit) {
  absl::MutexLock lock(&mu_);
  Entry& entry = jobs_[job_id];
  exited_.push_back(std::move(entry.worker));
  wake_ = true;
  v1::Job& job = entry.job;
  const std::vector<std::string> tail =
      TailLines(JobDir(job_id) + "/worker.stderr", kStderrTailLines);
  job.set_exit_code(exit.term_signal != 0 ? -exit.term_signal : exit.exit_code);
  const bool clean = exit.term_signal == 0 && exit.stream_error.empty();
  const bool stopped = clean && exit.exit_code == kExitStopped;
  const Intent intent = entry.intent;
  entry.intent = Intent::kNone;
  absl::Status persisted;
  if (clean && exit.exit_code == 0) {
    persisted = TransitionLocked(entry, v1::JOB_STATE_SUCCEEDED, "worker finished");
  } else if (intent == Intent::kCancel) {
    persisted = TransitionLocked(entry, v1::JOB_STATE_CANCELLED,
                                 stopped ? "cancelled by user"
                                         : "cancelled by user (worker killed)");
  } else if (intent == Intent::kPause) {
    persisted = TransitionLocked(
        entry, v1::JOB_STATE_PAUSED,
        stopped ? "paused by user; resumes from its checkpoint"
                : "paused by user; the worker had to be killed, so it resumes "
                  "from its last periodic checkpoint");
  } else if (intent == Intent::kShutdown) {
    persisted = TransitionLocked(entry, v1::JOB_STATE_QUEUED,
                                 "server shut down; continues on its next start");
  } else if (exit.exit_code != 1 && exit.stream_error.empty() &&
             job.restart_count() < MaxRestarts(job)) {
    // A crash (not a failure the job reported): restart from the last
    // checkpoint.
    job.set_restart_count(job.restart_count() + 1);
    persisted = TransitionLocked(
        entry, v1::JOB_STATE_QUEUED,
        absl::StrCat(FailureReason(exit, tail), "; restart ", job.restart_count(),
                     " of ", MaxRestarts(job)));
  } else {
    job.set_error(FailureReason(exit, tail));
    job.clear_stderr_tail();
    for (const auto& line : tail) job.add_stderr_tail(line);
    persisted = TransitionLocked(entry, v1::JOB_STATE_FAILED, job.error());
  }
  if (!persisted.ok()) LOG(ERROR) << job_id << ": " << persisted;
}

void JobManager::SchedulerLoop() {
  while (true) {
    std::vector<std::unique_ptr<WorkerProcess>> exited;
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
      while (!stopping_ && RunningLocked() < options_.max_concurrent_jobs) {
        Entry* next = nullptr;
        for (auto& [id, entry] : jobs_) {
          if (entry.job.state() != v1::JOB_STATE_QUEUED) continue;
          if (next == nullptr ||
              entry.job.spec().priority() > next->job.spec().priority() ||
              (entry.job.spec().priority() == next->job.spec().priority() &&
               entry.order < next->order)) {
            next = &entry;
          }
        }
        if (next == nullptr) break;
        StartLocked(*next);
      }
    }
    exited.clear();  // joins their reader threads, outside the lock
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
