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

absl::StatusOr<v1::JobSpec> JobManager::WorkerSpecFor(
    const v1::JobSpec& spec, const Principal& who,
    const std::map<std::string, std::string>& planned) {
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
  // A pretraining job `who` may see, or one planned in the same submit.
  auto job = [this, &who, &planned](const std::string& id) -> absl::StatusOr<std::string> {
    if (planned.count(id) == 0) {
      SIMCLR_ASSIGN_OR_RETURN(const v1::Job found, Get(id, who));
      if (found.kind() != v1::JOB_KIND_PRETRAIN) {
        return absl::InvalidArgumentError(
            absl::StrCat("job ", id, " is not a pretraining job"));
      }
    }
    return core::layout::RunFolder(JobFolder(id));
  };
  return ResolveWorkerSpec(checked, {dataset, checkpoint, job, model});
}

absl::Status JobManager::CheckQuotaLocked(const Principal& who, int new_jobs) {
  int active = new_jobs - 1;
  for (const auto& [id, entry] : jobs_) {
    active += OwnerOf(entry.job.owner()) == who.name && Active(entry.job.state());
  }
  if (active < options_.max_active_jobs_per_principal) return absl::OkStatus();
  active -= new_jobs - 1;
  return absl::ResourceExhaustedError(absl::StrCat(
      "quota --max_active_jobs_per_principal: ", who.name, " already has ", active,
      " queued, running or paused jobs (at most ", options_.max_active_jobs_per_principal,
      new_jobs > 1 ? absl::StrCat("; a report adds ", new_jobs) : "",
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
  if (spec.has_report()) return SubmitReport(spec, request_id, validate_only, who);
  SIMCLR_ASSIGN_OR_RETURN(const v1::JobSpec worker_spec, WorkerSpecFor(spec, who));
  SIMCLR_RETURN_IF_ERROR(CheckServerCanRun(worker_spec, options_.check_device));
  v1::Job job;
  *job.mutable_spec() = spec;
  job.set_kind(core::FindJobKind(spec)->kind);
  job.set_owner(who.name);
  for (const IdField& dependency : JobIds(spec)) job.add_depends_on(dependency.id);
  absl::MutexLock lock(&mu_);
  if (stopping_) return absl::UnavailableError("the server is shutting down");
  SIMCLR_RETURN_IF_ERROR(core::PrefixField("spec", CheckSlotsLocked(spec)));
  const std::string request_key = RequestKey(request_id, who);
  SIMCLR_ASSIGN_OR_RETURN(auto previous, FindRequestLocked(request_key));
  if (previous.has_value()) return *std::move(previous);
  SIMCLR_RETURN_IF_ERROR(CheckQuotaLocked(who));
  if (validate_only) {
    job.set_state(v1::JOB_STATE_QUEUED);
    return job;
  }
  job.set_id(NewJobIdLocked());
  return CreateJobLocked(std::move(job), worker_spec, request_key);
}

std::string JobManager::NewJobIdLocked() {
  std::string id = core::layout::NewJobId();
  while (jobs_.count(id) > 0) id = core::layout::NewJobId();
  return id;
}

std::string JobManager::RequestKey(const std::string& request_id, const Principal& who) {
  // Request ids are per principal: another user's key finds nothing.
  return request_id.empty() ? "" : absl::StrCat(who.name, "/", request_id);
}

absl::StatusOr<std::optional<v1::Job>> JobManager::FindRequestLocked(
    const std::string& request_key) {
  if (request_key.empty()) return std::nullopt;
  SIMCLR_ASSIGN_OR_RETURN(auto previous, store_->JobForRequest(request_key));
  if (!previous.has_value()) return std::nullopt;
  auto it = jobs_.find(*previous);
  if (it != jobs_.end()) return it->second.job;
  return store_->GetJob(*previous);
}

absl::StatusOr<v1::Job> JobManager::CreateJobLocked(v1::Job job, const v1::JobSpec& worker_spec,
                                                    const std::string& request_key) {
  const std::string id = job.id();
  Entry entry;
  entry.order = next_order_++;
  entry.job = std::move(job);
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
  LOG(INFO) << id << " → QUEUED: submitted by " << entry.job.owner();
  auto& stored = jobs_[id] = std::move(entry);
  wake_ = true;
  return stored.job;
}

}  // namespace simclr::server
