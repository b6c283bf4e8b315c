// What a report job runs: its steps as ordinary job specs, planned from the
// ReportConfig, each naming the steps it needs. simclrd submits them as
// jobs of their own (the report's Job.steps) and runs the report itself
// last, with ReportInputs naming their run folders; the standalone worker
// runs them one after another in folders of its own. Torch-free.
#ifndef SIMCLR_CORE_SPEC_REPORT_PLAN_H_
#define SIMCLR_CORE_SPEC_REPORT_PLAN_H_

#include <cstdint>
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

// With pretrain_seeds, "pretrain_seed_S" per seed S.
inline constexpr char kPretrainSeedStepPrefix[] = "pretrain_seed_";
inline constexpr int kMaxPretrainSeeds = 5;

// The column titles of the report's table.
inline constexpr char kAfterSubject[] = "SimCLR";
inline constexpr char kBeforeSubject[] = "before SimCLR";

struct ReportStepPlan {
  std::string name;
  v1::JobSpec spec;
  // Steps that must succeed first (their names).
  std::vector<std::string> after;
  // The ReportInputs field its run folder goes to (MutableReportInput);
  // empty for a pretraining step past the first seed's.
  std::string input;
  // Pretraining steps: which of the pretrain job ids is this step's; -1
  // for the other steps.
  int pretrain_index = -1;
};

// Pretraining steps of a report: one per pretrain_seeds value, else 1 (0
// for a report judging a given encoder).
int PretrainStepCount(const v1::ReportConfig& report);

// Well-formed placeholder job ids for the pretraining steps, when only
// checking or when the standalone worker runs the steps itself.
std::vector<std::string> PlaceholderPretrainJobIds(const v1::ReportConfig& report);

// The table column of the encoder pretrained with `seed`, one of
// pretrain_seeds ("SimCLR seed 7").
std::string SeedSubject(uint64_t seed);

// The steps of `spec` (a report). `pretrain_job_ids[i]` (one per
// pretraining step, PretrainStepCount) is what the steps that judge the
// i-th pretrained encoder name as EvalSubject.job_id. INVALID_ARGUMENT
// naming the report's field.
absl::StatusOr<std::vector<ReportStepPlan>> PlanReport(
    const v1::JobSpec& spec, const std::vector<std::string>& pretrain_job_ids);

// Every field of the report, and every step's spec (ValidateJobSpec).
absl::Status ValidateReport(const v1::JobSpec& spec);

// A ReportInputs field by step name; null for an unknown name.
std::string* MutableReportInput(v1::ReportInputs& inputs, const std::string& step);
const std::string& ReportInput(const v1::ReportInputs& inputs, const std::string& step);

}  // namespace simclr::core

#endif  // SIMCLR_CORE_SPEC_REPORT_PLAN_H_
