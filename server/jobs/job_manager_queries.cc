// JobManager's read side: Get, List, Watch, the metrics' stats and whether a
// dataset is in use. The queue and the workers' lifecycle are in
// job_manager.cc.
#include <algorithm>

#include "absl/strings/str_cat.h"
#include "core/common/status_macros.h"
#include "core/spec/job_kinds.h"
#include "server/common/not_found.h"
#include "server/jobs/job_manager.h"
#include "server/jobs/spec_references.h"

namespace simclr::server {

absl::StatusOr<v1::Job> JobManager::Get(const std::string& job_id, const Principal& who) {
  absl::MutexLock lock(&mu_);
  const Entry* entry = FindLocked(job_id, who);
  if (entry == nullptr) return JobNotFound(job_id);
  return entry->job;
}

absl::Status JobManager::CheckVisible(const std::string& job_id, const Principal& who) {
  absl::MutexLock lock(&mu_);
  return FindLocked(job_id, who) == nullptr ? JobNotFound(job_id) : absl::OkStatus();
}

bool JobManager::DatasetInUse(const std::string& dataset_id) {
  absl::MutexLock lock(&mu_);
  for (auto& [id, entry] : jobs_) {
    if (IsTerminal(entry.job.state())) continue;
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
    if (IsTerminal(entry.job.state())) continue;
    v1::JobSpec spec = entry.job.spec();
    for (const auto& [field, torchscript] : ModelIds(spec)) {
      if (torchscript->model_id() == model_id) return true;
    }
  }
  return false;
}

std::vector<v1::Job> JobManager::List(const Principal& who) {
  absl::MutexLock lock(&mu_);
  std::vector<const Entry*> entries;
  for (const auto& [id, entry] : jobs_) {
    if (MayAccess(who, entry.job.owner())) entries.push_back(&entry);
  }
  std::sort(entries.begin(), entries.end(),
            [](const Entry* a, const Entry* b) { return a->order > b->order; });
  std::vector<v1::Job> jobs;
  jobs.reserve(entries.size());
  for (const Entry* entry : entries) jobs.push_back(entry->job);
  return jobs;
}

absl::StatusOr<JobManager::WatchBatch> JobManager::Watch(
    const std::string& job_id, const Principal& who, uint64_t after_seq, absl::Duration wait) {
  {
    absl::MutexLock lock(&mu_);
    const Entry* entry = FindLocked(job_id, who);
    if (entry == nullptr) return JobNotFound(job_id);
    const v1::Job& job = entry->job;
    if (after_seq > job.last_event_seq()) {
      return absl::OutOfRangeError(absl::StrCat("after_seq: ", after_seq,
                                                " is past the job's newest event, ",
                                                job.last_event_seq()));
    }
    auto news = [&job, after_seq]() { return job.last_event_seq() > after_seq; };
    mu_.AwaitWithTimeout(absl::Condition(&news), wait);
  }
  WatchBatch batch;
  SIMCLR_ASSIGN_OR_RETURN(batch.events,
                          store_->EventsAfter(job_id, after_seq, 500, &batch.through));
  absl::MutexLock lock(&mu_);
  auto it = jobs_.find(job_id);
  // Deleted while we read: its events end here.
  if (it == jobs_.end()) return JobNotFound(job_id);
  const v1::Job& job = it->second.job;
  batch.ended = IsTerminal(job.state()) && batch.through >= job.last_event_seq();
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

}  // namespace simclr::server
