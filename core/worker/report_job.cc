#include "core/worker/report_job.h"

#include <filesystem>
#include <map>

#include "absl/strings/str_cat.h"
#include "core/common/layout.h"
#include "core/common/status_macros.h"
#include "core/eval/report_page.h"
#include "core/spec/job_kinds.h"
#include "core/spec/report_plan.h"
#include "core/worker/job_runners.h"

namespace simclr::core {
namespace {

namespace fs = std::filesystem;

bool HasInputs(const v1::ReportInputs& in) {
  return !in.pretrain().empty() || !in.linear_eval().empty() || !in.finetune().empty() ||
         !in.tsne_before().empty() || !in.tsne_after().empty();
}

bool Finished(const JobKindInfo& kind, const std::string& folder) {
  for (const std::string& artifact : kind.artifacts) {
    if (!fs::exists(fs::path(folder) / artifact)) return false;
  }
  return true;
}

// Runs every step in JOB_DIR/steps/NAME and names the folders in `inputs`.
absl::Status RunStepsHere(const v1::JobSpec& spec, const JobRun& run, EventSink& events,
                          v1::ReportInputs& inputs) {
  const std::vector<std::string> ids = PlaceholderPretrainJobIds(spec.report());
  SIMCLR_ASSIGN_OR_RETURN(auto steps, PlanReport(spec, ids));
  // Absolute: the evaluation steps read these checkpoint paths, and would
  // resolve a relative one against the spec's folder, not the job's.
  const fs::path root = fs::absolute(run.job_dir) / "steps";
  std::map<std::string, std::string> pretrained;  // placeholder id → final checkpoint
  for (const ReportStepPlan& step : steps) {
    if (step.pretrain_index < 0) continue;
    pretrained[ids[step.pretrain_index]] =
        layout::CheckpointLink((root / step.name).string(), layout::kFinalLink);
  }
  for (ReportStepPlan& step : steps) {
    const JobKindInfo& kind = *FindJobKind(step.spec);
    for (auto [subject, at] : kind.mutable_subjects(step.spec)) {
      const auto folder = pretrained.find(subject->job_id());
      if (folder != pretrained.end()) subject->set_checkpoint_path(folder->second);
    }
    JobRun step_run = run;
    step_run.job_dir = (root / step.name).string();
    if (std::string* input = MutableReportInput(inputs, step.input)) *input = step_run.job_dir;
    if (Finished(kind, step_run.job_dir)) {
      EmitLog(events, absl::StrCat("report step ", step.name, ": finished before, kept"));
      continue;
    }
    EmitLog(events, absl::StrCat("report step ", step.name, ": running"));
    const absl::Status status = RunnerFor(kind.kind)(step.spec, step_run, events);
    if (!status.ok()) {
      return absl::Status(status.code(),
                          absl::StrCat("report step ", step.name, ": ", status.message()));
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status RunReportJob(const v1::JobSpec& spec, const JobRun& run, EventSink& events) {
  if (!spec.has_report()) return absl::InvalidArgumentError("spec: not a report job");
  SIMCLR_RETURN_IF_ERROR(CreateJobDir(run.job_dir));
  v1::JobSpec composed = spec;
  if (!HasInputs(spec.report().inputs())) {
    SIMCLR_RETURN_IF_ERROR(
        RunStepsHere(spec, run, events, *composed.mutable_report()->mutable_inputs()));
  }
  return WriteReport(composed, run.job_dir, events);
}

}  // namespace simclr::core
