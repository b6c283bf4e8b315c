// JobManager's lifecycle of ended jobs: DeleteJob, whether a checkpoint may
// go, and the folders a crash left without a record.
#include <algorithm>
#include <filesystem>
#include <set>

#include "absl/strings/str_cat.h"
#include "core/common/layout.h"
#include "core/common/status_macros.h"
#include "glog/logging.h"
#include "server/common/not_found.h"
#include "server/jobs/job_manager.h"
#include "server/jobs/spec_references.h"

namespace simclr::server {

bool JobManager::CheckpointsInUseLocked(const std::string& job_id,
                                        const std::string& checkpoint_id) {
  for (const auto& [id, entry] : jobs_) {
    if (IsTerminal(entry.job.state())) continue;
    for (const std::string& needed : entry.job.depends_on()) {
      if (checkpoint_id.empty() && needed == job_id) return true;  // it waits for the job
    }
    for (const auto& [field, used] : CheckpointIds(entry.job.spec())) {
      auto parsed = core::layout::ParseCheckpointId(used);
      if (!parsed.ok() || parsed->first != job_id) continue;
      if (checkpoint_id.empty() || used == checkpoint_id) return true;
    }
  }
  return false;
}

absl::Status JobManager::CheckCheckpointDeletable(const std::string& checkpoint_id) {
  SIMCLR_ASSIGN_OR_RETURN(auto parsed, core::layout::ParseCheckpointId(checkpoint_id));
  absl::MutexLock lock(&mu_);
  auto it = jobs_.find(parsed.first);
  // A paused or restarted job resumes from its newest checkpoint.
  if (it != jobs_.end() && !IsTerminal(it->second.job.state())) {
    return absl::FailedPreconditionError(absl::StrCat(
        "checkpoint ", checkpoint_id, ": its job ", parsed.first, " is ",
        v1::JobState_Name(it->second.job.state()),
        " and may resume from it; wait for it to end or cancel it"));
  }
  if (CheckpointsInUseLocked(parsed.first, checkpoint_id)) {
    return absl::FailedPreconditionError(absl::StrCat(
        "checkpoint ", checkpoint_id, " is read by a queued, running or paused job"));
  }
  return absl::OkStatus();
}

absl::Status JobManager::Delete(const std::string& job_id, const Principal& who) {
  absl::MutexLock lock(&mu_);
  if (Entry* entry = FindLocked(job_id, who)) {
    return absl::FailedPreconditionError(absl::StrCat(
        "job ", job_id, " is ", v1::JobState_Name(entry->job.state()),
        "; cancel it before deleting it"));
  }
  SIMCLR_ASSIGN_OR_RETURN(const v1::Job job, EndedJob(job_id, who));
  std::vector<std::string> doomed = {job_id};
  for (const v1::ReportStep& step : job.steps()) {
    if (jobs_.count(step.job_id()) > 0) {
      return absl::FailedPreconditionError(absl::StrCat(
          "job ", job_id, ": its step ", step.name(), " (", step.job_id(),
          ") has not ended; cancel the report first"));
    }
    doomed.push_back(step.job_id());
  }
  for (const std::string& id : doomed) {
    if (CheckpointsInUseLocked(id, "")) {
      return absl::FailedPreconditionError(absl::StrCat(
          "job ", id, ": a queued, running or paused job reads one of its checkpoints"));
    }
  }
  // The steps, then the report: a crash in between leaves the report,
  // which a second delete finishes.
  for (size_t i = doomed.size(); i-- > 0;) {
    auto exists = store_->GetJob(doomed[i]);
    if (exists.ok() && !exists->has_value()) continue;  // a step deleted before
    SIMCLR_RETURN_IF_ERROR(RemoveJobLocked(doomed[i]));
  }
  LOG(INFO) << job_id << " deleted by " << who.name;
  return absl::OkStatus();
}

absl::Status JobManager::RemoveJobLocked(const std::string& job_id) {
  // The record first: a crash before the folder is gone leaves a folder
  // without a record, which the next start removes.
  SIMCLR_RETURN_IF_ERROR(store_->DeleteJob(job_id));
  std::error_code error;
  std::filesystem::remove_all(JobFolder(job_id), error);
  if (error) LOG(WARNING) << job_id << ": folder not removed: " << error.message();
  return absl::OkStatus();
}

int JobManager::CollectEndedJobs() {
  const int64_t keep = options_.keep_ended_jobs;
  const absl::Duration max_age = options_.keep_ended_for;
  if (keep <= 0 && max_age <= absl::ZeroDuration()) return 0;
  auto counts = store_->CountByState();
  auto oldest = store_->OldestEndedJobs(1000);  // the rest on later passes
  if (!counts.ok() || !oldest.ok()) return 0;
  int64_t ended = 0;
  for (const auto& [state, count] : *counts) {
    ended += IsTerminal(static_cast<v1::JobState>(state)) ? count : 0;
  }
  int64_t excess = keep > 0 ? std::max<int64_t>(0, ended - keep) : 0;
  const absl::Time cutoff = absl::Now() - max_age;
  int removed = 0;
  for (const v1::Job& job : *oldest) {
    const bool too_old = max_age > absl::ZeroDuration() &&
                         absl::FromUnixSeconds(job.end_time().seconds()) < cutoff;
    if (excess <= 0 && !too_old) continue;
    // One job per lock: a long backlog never holds up the queue.
    absl::MutexLock lock(&mu_);
    if (CheckpointsInUseLocked(job.id(), "")) continue;  // a live job reads it
    if (!RemoveJobLocked(job.id()).ok()) continue;
    --excess;
    ++removed;
  }
  if (removed > 0) LOG(INFO) << "retention removed " << removed << " ended job(s)";
  return removed;
}

absl::Status JobManager::RemoveFoldersWithoutRecord() {
  // Ids with a row, readable or not: a row that does not parse keeps its
  // folder for an operator to look at.
  SIMCLR_ASSIGN_OR_RETURN(const std::set<std::string> recorded, store_->JobIds());
  std::error_code error;
  for (const auto& entry :
       std::filesystem::directory_iterator(core::layout::JobsFolder(options_.data_dir), error)) {
    const std::string name = entry.path().filename().string();
    if (!core::layout::IsJobId(name) || recorded.count(name) > 0) continue;
    LOG(INFO) << name << ": folder without a record (a submit or delete cut short); removing it";
    std::filesystem::remove_all(entry.path(), error);
  }
  return absl::OkStatus();
}

}  // namespace simclr::server
