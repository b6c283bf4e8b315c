// What a report job runs: its steps as ordinary job specs, planned from the
// ReportConfig, each naming the steps it needs. simclrd submits them as
// jobs of their own (the report's Job.steps) and runs the report itself
// last, with ReportInputs naming their run folders; the standalone worker
// runs them one after another in folders of its own. Torch-free.
#ifndef SIMCLR_CORE_SPEC_REPORT_PLAN_H_
#define SIMCLR_CORE_SPEC_REPORT_PLAN_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "simclr/v1/job_spec.pb.h"

namespace simclr::core {

// Step names, in the order they run.
inline constexpr char kPretrainStep[] = "pretrain";
inline constexpr char kLinearEvalStep[] = "linear_eval";
inline constexpr char kFinetuneStep[] = "finetune";
inline constexpr char kTsneBeforeStep[] = "tsne_before";
inline constexpr char kTsneAfterStep[] = "tsne_after";

// The column titles of the report's table.
inline constexpr char kAfterSubject[] = "SimCLR";
inline constexpr char kBeforeSubject[] = "before SimCLR";

struct ReportStepPlan {
  std::string name;
  v1::JobSpec spec;
  // Steps that must succeed first (their names).
  std::vector<std::string> after;
};

// The steps of `spec` (a report). `pretrain_job_id` is what the steps that
// judge the pretrained encoder name as EvalSubject.job_id; any well-formed
// id when only checking. INVALID_ARGUMENT naming the report's field.
absl::StatusOr<std::vector<ReportStepPlan>> PlanReport(const v1::JobSpec& spec,
                                                       const std::string& pretrain_job_id);

// Every field of the report, and every step's spec (ValidateJobSpec).
absl::Status ValidateReport(const v1::JobSpec& spec);

// A ReportInputs field by step name; null for an unknown name.
std::string* MutableReportInput(v1::ReportInputs& inputs, const std::string& step);
const std::string& ReportInput(const v1::ReportInputs& inputs, const std::string& step);

}  // namespace simclr::core

#endif  // SIMCLR_CORE_SPEC_REPORT_PLAN_H_
