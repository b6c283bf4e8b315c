// JobManager's read side: Get, List, Watch, the metrics' stats and whether a
// dataset or model is in use. Jobs that have not ended are in memory; ended
// ones are read from the store, so none of this grows with their number.
#include <algorithm>

#include "absl/strings/str_cat.h"
#include "core/common/status_macros.h"
#include "core/spec/job_kinds.h"
#include "server/common/not_found.h"
#include "server/jobs/job_manager.h"
#include "server/jobs/spec_references.h"

namespace simclr::server {

absl::StatusOr<v1::Job> JobManager::Get(const std::string& job_id, const Principal& who) {
  {
    absl::MutexLock lock(&mu_);
    if (const Entry* entry = FindLocked(job_id, who)) return entry->job;
  }
  return EndedJob(job_id, who);
}

absl::Status JobManager::CheckVisible(const std::string& job_id, const Principal& who) {
  return Get(job_id, who).status();
}

bool JobManager::DatasetInUse(const std::string& dataset_id) {
  absl::MutexLock lock(&mu_);
  for (auto& [id, entry] : jobs_) {
    const core::JobKindInfo* kind = core::FindJobKind(entry.job.spec());
    if (kind == nullptr) continue;
    const v1::DataConfig& data = kind->data(entry.job.spec());
    if (data.train().dataset_id() == dataset_id ||
        data.test().dataset_id() == dataset_id) {
      return true;
    }
  }
  return false;
}

bool JobManager::ModelInUse(const std::string& model_id) {
  absl::MutexLock lock(&mu_);
  for (auto& [id, entry] : jobs_) {
    v1::JobSpec spec = entry.job.spec();
    for (const auto& [field, torchscript] : ModelIds(spec)) {
      if (torchscript->model_id() == model_id) return true;
    }
  }
  return false;
}

absl::StatusOr<JobPage> JobManager::List(JobQuery query, const Principal& who) {
  if (!who.admin) {
    // Another user's name matches nothing, like a name no one has.
    if (!query.owner.empty() && query.owner != who.name) return JobPage();
    query.owner = who.name;
  }
  return store_->ListJobs(query);
}

absl::StatusOr<std::vector<v1::Job>> JobManager::ListAll(const Principal& who) {
  std::vector<v1::Job> all;
  JobQuery query;
  query.limit = 1000;
  while (true) {
    SIMCLR_ASSIGN_OR_RETURN(JobPage page, List(query, who));
    for (auto& job : page.jobs) all.push_back(std::move(job));
    if (page.next_before_rowid == 0) return all;
    query.before_rowid = page.next_before_rowid;
  }
}

absl::StatusOr<JobManager::WatchBatch> JobManager::Watch(
    const std::string& job_id, const Principal& who, uint64_t after_seq, absl::Duration wait) {
  SIMCLR_ASSIGN_OR_RETURN(const v1::Job job, Get(job_id, who));
  if (after_seq > job.last_event_seq()) {
    return absl::OutOfRangeError(absl::StrCat("after_seq: ", after_seq,
                                              " is past the job's newest event, ",
                                              job.last_event_seq()));
  }
  if (!IsTerminal(job.state()) && after_seq == job.last_event_seq()) {
    absl::MutexLock lock(&mu_);
    // Looked up on every wake: the entry goes once the job has ended.
    auto news = [this, &job_id, after_seq]() ABSL_NO_THREAD_SAFETY_ANALYSIS {
      auto it = jobs_.find(job_id);
      return it == jobs_.end() || it->second.job.last_event_seq() > after_seq;
    };
    mu_.AwaitWithTimeout(absl::Condition(&news), wait);
  }
  WatchBatch batch;
  SIMCLR_ASSIGN_OR_RETURN(batch.events,
                          store_->EventsAfter(job_id, after_seq, 500, &batch.through));
  // Read after the events: a job that ended meanwhile has them all stored.
  SIMCLR_ASSIGN_OR_RETURN(const v1::Job now, Get(job_id, who));
  batch.ended = IsTerminal(now.state()) && batch.through >= now.last_event_seq();
  return batch;
}

JobManager::Stats JobManager::GetStats() {
  auto counts = store_->CountByState();
  absl::MutexLock lock(&mu_);
  Stats stats;
  stats.finished = finished_;
  if (counts.ok()) {
    for (const auto& [state, count] : *counts) stats.by_state[state] = static_cast<int>(count);
  }
  for (const auto& [id, entry] : jobs_) {
    const v1::Job& job = entry.job;
    if (job.state() == v1::JOB_STATE_QUEUED) ++stats.queue_depth;
    if (job.state() == v1::JOB_STATE_RUNNING && job.progress().step() > 0) {
      stats.samples_per_second += job.progress().samples_per_second();
      stats.loss_by_kind[job.kind()] = job.progress().loss();
    }
  }
  return stats;
}

}  // namespace simclr::server
