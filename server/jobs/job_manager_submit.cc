// JobManager's Submit: the checks a spec passes before it is queued (its
// fields, its owner's access to what it names, the path policy, the quota),
// then the job folder and the record in one step.
#include <filesystem>

#include "absl/strings/str_cat.h"
#include "core/common/field_error.h"
#include "core/common/layout.h"
#include "core/common/status_macros.h"
#include "core/spec/checks.h"
#include "core/spec/job_kinds.h"
#include "glog/logging.h"
#include "server/common/not_found.h"
#include "server/jobs/job_manager.h"
#include "server/jobs/job_records.h"
#include "server/jobs/spec_references.h"

namespace simclr::server {
namespace {

constexpr size_t kMaxSpecBytes = 256 << 10;

bool Active(v1::JobState state) { return !IsTerminal(state); }

}  // namespace

JobManager::Entry* JobManager::FindLocked(const std::string& job_id, const Principal& who) {
  auto it = jobs_.find(job_id);
  if (it == jobs_.end() || !MayAccess(who, it->second.job.owner())) return nullptr;
  return &it->second;
}

absl::StatusOr<v1::JobSpec> JobManager::WorkerSpecFor(const v1::JobSpec& spec,
                                                      const Principal& who) {
  v1::JobSpec checked = spec;
  SIMCLR_RETURN_IF_ERROR(options_.path_policy.Apply(checked));
  // A checkpoint is its job's owner's: one that `who` may not see is
  // refused exactly as one that does not exist.
  std::function<absl::StatusOr<std::string>(const std::string&)> checkpoint;
  if (options_.resolve_checkpoint) {
    checkpoint = [this, &who](const std::string& id) -> absl::StatusOr<std::string> {
      auto parsed = core::layout::ParseCheckpointId(id);
      if (parsed.ok() && CheckVisible(parsed->first, who).ok()) {
        auto folder = options_.resolve_checkpoint(id);
        if (folder.ok() || !absl::IsNotFound(folder.status())) return folder;
      }
      return CheckpointNotFound(id);
    };
  }
  std::function<absl::StatusOr<v1::LocalDataset>(const std::string&)> dataset;
  if (options_.resolve_dataset) {
    dataset = [this, &who](const std::string& id) { return options_.resolve_dataset(id, who); };
  }
  std::function<absl::StatusOr<std::string>(const std::string&)> model;
  if (options_.resolve_model) {
    model = [this, &who](const std::string& id) { return options_.resolve_model(id, who); };
  }
  return ResolveWorkerSpec(checked, {dataset, checkpoint, model});
}

absl::Status JobManager::CheckQuotaLocked(const Principal& who) {
  int active = 0;
  for (const auto& [id, entry] : jobs_) {
    active += OwnerOf(entry.job.owner()) == who.name && Active(entry.job.state());
  }
  if (active < options_.max_active_jobs_per_principal) return absl::OkStatus();
  return absl::ResourceExhaustedError(absl::StrCat(
      "quota --max_active_jobs_per_principal: ", who.name, " already has ", active,
      " queued, running or paused jobs (at most ", options_.max_active_jobs_per_principal,
      "); wait for one to end or cancel one"));
}

absl::StatusOr<v1::Job> JobManager::Submit(const v1::JobSpec& spec,
                                           const std::string& request_id,
                                           bool validate_only, const Principal& who) {
  SIMCLR_RETURN_IF_ERROR(core::CheckLength("request_id", request_id, 128));
  // Every stored Job (spec, error, tail) stays far below a page's 4 MiB.
  if (spec.ByteSizeLong() > kMaxSpecBytes) {
    return core::FieldError("spec", absl::StrCat(spec.ByteSizeLong(),
                                                 " bytes serialized; at most ", kMaxSpecBytes));
  }
  // Every field first, so that a bad id is named as such before the store
  // is asked for it.
  SIMCLR_RETURN_IF_ERROR(core::PrefixField("spec", core::ValidateJobSpec(spec)));
  SIMCLR_ASSIGN_OR_RETURN(const v1::JobSpec worker_spec, WorkerSpecFor(spec, who));
  SIMCLR_RETURN_IF_ERROR(CheckServerCanRun(worker_spec, options_.check_device));
  v1::Job job;
  *job.mutable_spec() = spec;
  job.set_kind(core::FindJobKind(spec)->kind);
  job.set_owner(who.name);
  absl::MutexLock lock(&mu_);
  if (stopping_) return absl::UnavailableError("the server is shutting down");
  // Request ids are per principal: another user's key finds nothing.
  const std::string request_key = request_id.empty() ? "" : absl::StrCat(who.name, "/", request_id);
  if (!request_key.empty()) {
    SIMCLR_ASSIGN_OR_RETURN(auto previous, store_->JobForRequest(request_key));
    if (previous.has_value()) {
      auto it = jobs_.find(*previous);
      if (it != jobs_.end()) return it->second.job;
      SIMCLR_ASSIGN_OR_RETURN(auto ended, store_->GetJob(*previous));
      if (ended.has_value()) return *std::move(ended);
    }
  }
  SIMCLR_RETURN_IF_ERROR(CheckQuotaLocked(who));
  if (validate_only) {
    job.set_state(v1::JOB_STATE_QUEUED);
    return job;
  }
  std::string id = core::layout::NewJobId();
  while (jobs_.count(id) > 0) id = core::layout::NewJobId();
  Entry entry;
  entry.order = next_order_++;
  entry.job = std::move(job);
  entry.job.set_id(id);
  *entry.job.mutable_create_time() = NowTimestamp();
  const v1::JobEvent submitted = ApplyStateChange(v1::JOB_STATE_QUEUED, "submitted", entry.job);
  // The folder, then the record with its request id and first event in one
  // transaction; on any failure (a full disk) neither is left behind.
  absl::Status status = WriteJobFolder(JobFolder(id), worker_spec);
  if (status.ok()) status = store_->AppendEventAndPutJob(submitted, entry.job, request_key);
  if (!status.ok()) {
    std::error_code ignored;
    std::filesystem::remove_all(JobFolder(id), ignored);
    return status;
  }
  LOG(INFO) << id << " → QUEUED: submitted by " << who.name;
  auto& stored = jobs_[id] = std::move(entry);
  wake_ = true;
  return stored.job;
}

}  // namespace simclr::server
