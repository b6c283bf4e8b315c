// JobManager's report jobs and dependencies: a report is submitted as its
// steps (ordinary jobs, each with parent_job_id and step set, labelled
// report=<id> and step=<name>) plus the report itself, which depends on
// them all and runs last to compose their results. The scheduler starts a
// job only once every job it depends on has succeeded.
#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "core/common/field_error.h"
#include "core/common/layout.h"
#include "core/common/status_macros.h"
#include "core/common/utf8.h"
#include "core/spec/job_kinds.h"
#include "core/spec/report_plan.h"
#include "glog/logging.h"
#include "server/jobs/job_manager.h"
#include "server/jobs/job_records.h"

namespace simclr::server {
namespace {

struct PlannedStep {
  core::ReportStepPlan plan;
  v1::JobSpec worker_spec;
  std::string id;
};

std::string StateWord(v1::JobState state) {
  return absl::AsciiStrToLower(v1::JobState_Name(state).substr(10));  // JOB_STATE_
}

}  // namespace

absl::StatusOr<v1::Job> JobManager::SubmitReport(const v1::JobSpec& spec,
                                                 const std::string& request_id,
                                                 bool validate_only, const Principal& who) {
  if (spec.report().has_inputs()) {
    return core::FieldError("spec.report.inputs", "set by the server; leave it empty");
  }
  // The report's own references first (its dataset ids name report.data).
  SIMCLR_ASSIGN_OR_RETURN(v1::JobSpec report_spec, WorkerSpecFor(spec, who));
  std::map<std::string, std::string> planned;  // step id → name
  std::vector<PlannedStep> steps;
  const std::vector<std::string> pretrain_ids = NewJobIds(core::PretrainStepCount(spec.report()));
  SIMCLR_ASSIGN_OR_RETURN(auto plans, core::PlanReport(spec, pretrain_ids));
  for (auto& plan : plans) {
    PlannedStep& step = steps.emplace_back();
    step.id = plan.pretrain_index >= 0 ? pretrain_ids[plan.pretrain_index]
                                       : core::layout::NewJobId();
    planned[step.id] = plan.name;
    step.plan = std::move(plan);
  }
  for (PlannedStep& step : steps) {
    auto worker_spec = WorkerSpecFor(step.plan.spec, who, planned);
    if (!worker_spec.ok()) {
      return absl::Status(worker_spec.status().code(),
                          absl::StrCat("report step ", step.plan.name, ": ",
                                       worker_spec.status().message()));
    }
    SIMCLR_RETURN_IF_ERROR(CheckServerCanRun(*worker_spec, options_.check_device));
    step.worker_spec = *std::move(worker_spec);
    if (std::string* input = core::MutableReportInput(
            *report_spec.mutable_report()->mutable_inputs(), step.plan.input)) {
      *input = core::layout::RunFolder(JobFolder(step.id));
    }
  }
  v1::Job report;
  *report.mutable_spec() = spec;
  report.set_kind(v1::JOB_KIND_REPORT);
  report.set_owner(who.name);
  absl::MutexLock lock(&mu_);
  if (stopping_) return absl::UnavailableError("the server is shutting down");
  const std::string request_key = RequestKey(request_id, who);
  SIMCLR_ASSIGN_OR_RETURN(auto previous, FindRequestLocked(request_key));
  if (previous.has_value()) return *std::move(previous);
  SIMCLR_RETURN_IF_ERROR(CheckQuotaLocked(who, 1 + static_cast<int>(steps.size())));
  report.set_id(validate_only ? "" : NewJobIdLocked());
  for (const PlannedStep& step : steps) {
    v1::ReportStep* listed = report.add_steps();
    listed->set_name(step.plan.name);
    listed->set_job_id(validate_only ? "" : step.id);
    if (!validate_only) report.add_depends_on(step.id);
  }
  if (validate_only) {
    report.set_state(v1::JOB_STATE_QUEUED);
    return report;
  }
  // The steps first: a crash before the report is recorded leaves steps
  // that run to no purpose, never a report missing its steps.
  for (const PlannedStep& step : steps) {
    v1::Job job;
    job.set_id(step.id);
    *job.mutable_spec() = step.plan.spec;
    (*job.mutable_spec()->mutable_labels())["report"] = report.id();
    (*job.mutable_spec()->mutable_labels())["step"] = step.plan.name;
    job.set_kind(core::FindJobKind(step.plan.spec)->kind);
    job.set_owner(who.name);
    job.set_parent_job_id(report.id());
    job.set_step(step.plan.name);
    for (const std::string& name : step.plan.after) {
      for (const PlannedStep& other : steps) {
        if (other.plan.name == name) job.add_depends_on(other.id);
      }
    }
    SIMCLR_RETURN_IF_ERROR(CreateJobLocked(std::move(job), step.worker_spec, "").status());
  }
  return CreateJobLocked(std::move(report), report_spec, request_key);
}

std::vector<std::string> JobManager::NewJobIds(int count) {
  absl::MutexLock lock(&mu_);
  std::vector<std::string> ids;
  for (int i = 0; i < count; ++i) ids.push_back(NewJobIdLocked());
  return ids;
}

JobManager::Readiness JobManager::ReadinessLocked(const Entry& entry, std::string* why) {
  bool waiting = false;
  // One that ended badly blocks at once, even while others still run.
  for (const std::string& id : entry.job.depends_on()) {
    if (jobs_.count(id) > 0) {
      waiting = true;  // not ended yet
      continue;
    }
    auto job = store_->GetJob(id);
    if (!job.ok()) return Readiness::kWaiting;  // the store may answer later
    if (!job->has_value()) {
      if (why != nullptr) *why = absl::StrCat("job ", id, ", which it needs, was deleted");
      return Readiness::kBlocked;
    }
    const v1::Job& dependency = **job;
    if (dependency.state() == v1::JOB_STATE_SUCCEEDED) continue;
    if (why != nullptr) {
      *why = absl::StrCat(dependency.step().empty() ? "" : absl::StrCat("step ", dependency.step(), ", "),
                          "job ", id, ", ", StateWord(dependency.state()),
                          dependency.error().empty() ? "" : absl::StrCat(": ", dependency.error()));
    }
    return Readiness::kBlocked;
  }
  return waiting ? Readiness::kWaiting : Readiness::kReady;
}

void JobManager::FailBlockedLocked() {
  std::vector<std::pair<std::string, std::string>> blocked;
  for (auto& [id, entry] : jobs_) {
    if (entry.job.state() != v1::JOB_STATE_QUEUED || entry.job.depends_on().empty()) continue;
    std::string why;
    if (ReadinessLocked(entry, &why) == Readiness::kBlocked) blocked.emplace_back(id, why);
  }
  // Steps before reports: a step that cannot run fails as such, and the
  // failed report then cancels only the steps that could.
  std::stable_partition(blocked.begin(), blocked.end(), [this](const auto& b)
                                                            ABSL_NO_THREAD_SAFETY_ANALYSIS {
    return jobs_.at(b.first).job.steps().empty();
  });
  for (const auto& [id, why] : blocked) {
    auto found = jobs_.find(id);
    // Gone or changed since: cancelled with a report failed just before.
    if (found == jobs_.end() || found->second.job.state() != v1::JOB_STATE_QUEUED) continue;
    Entry& entry = found->second;
    entry.job.set_error(core::SafeText(absl::StrCat("cannot run: ", why), kMaxErrorBytes));
    TransitionLocked(entry, v1::JOB_STATE_FAILED, entry.job.error()).IgnoreError();
    const v1::Job failed = entry.job;
    ForgetIfEndedLocked(id);
    // A failed report's other steps would run for nothing.
    for (const v1::ReportStep& step : failed.steps()) {
      auto it = jobs_.find(step.job_id());
      if (it == jobs_.end()) continue;
      if (it->second.job.state() == v1::JOB_STATE_RUNNING) {
        StopWorkerLocked(it->second, Intent::kCancel);
        continue;
      }
      TransitionLocked(it->second, v1::JOB_STATE_CANCELLED,
                       absl::StrCat("its report ", id, " failed"))
          .IgnoreError();
      ForgetIfEndedLocked(step.job_id());
    }
  }
}

std::vector<std::string> JobManager::LiveStepsOf(const std::string& job_id,
                                                 const Principal& who) {
  absl::MutexLock lock(&mu_);
  std::vector<std::string> live;
  Entry* entry = FindLocked(job_id, who);
  if (entry == nullptr) return live;
  // Running ones last: stopping one waits for its worker, and meanwhile
  // the scheduler would fail the steps that wait for it.
  std::vector<std::string> running;
  for (const v1::ReportStep& step : entry->job.steps()) {
    auto it = jobs_.find(step.job_id());
    if (it == jobs_.end()) continue;
    (it->second.job.state() == v1::JOB_STATE_RUNNING ? running : live).push_back(step.job_id());
  }
  live.insert(live.end(), running.begin(), running.end());
  return live;
}

}  // namespace simclr::server
