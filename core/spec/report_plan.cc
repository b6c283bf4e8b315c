#include "core/spec/report_plan.h"

#include <algorithm>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/strip.h"
#include "core/common/field_error.h"
#include "core/common/status_macros.h"
#include "core/spec/checks.h"
#include "core/spec/data_checks.h"
#include "core/spec/job_kinds.h"

namespace simclr::core {
namespace {

// The fields every step takes from the report's spec.
v1::JobSpec StepSpec(const v1::JobSpec& report, const std::string& title, const char* step) {
  v1::JobSpec spec;
  spec.set_display_name(absl::StrCat(title.substr(0, 100), ": ", step));
  spec.set_priority(report.priority());
  spec.set_device(report.device());
  spec.set_num_threads(report.num_threads());
  spec.set_seed(report.seed());
  if (report.has_max_restarts()) spec.set_max_restarts(report.max_restarts());
  return spec;
}

std::string Title(const v1::JobSpec& spec) {
  if (!spec.report().title().empty()) return spec.report().title();
  return spec.display_name().empty() ? "SimCLR report" : spec.display_name();
}

// What pretraining starts from, judged as the "before" column.
absl::StatusOr<v1::EvalSubject> StartingPoint(const v1::EncoderConfig& encoder) {
  v1::EvalSubject before;
  switch (encoder.source_case()) {
    case v1::EncoderConfig::kBuiltin:
      *before.mutable_random_init() = encoder.builtin();
      before.set_name("random-init");
      return before;
    case v1::EncoderConfig::kTorchscript:
      *before.mutable_torchscript() = encoder.torchscript();
      return before;
    case v1::EncoderConfig::kCheckpointId:
      before.set_checkpoint_id(encoder.checkpoint_id());
      return before;
    case v1::EncoderConfig::SOURCE_NOT_SET:
      break;
  }
  return FieldError("report.pretrain.encoder", "required");
}

absl::Status MustBeEmpty(bool set, const char* field) {
  if (!set) return absl::OkStatus();
  return FieldError(field, "the report sets it; leave it empty");
}

// A step that is not a pretraining: its folder goes to the ReportInputs
// field of its name.
ReportStepPlan Step(const v1::JobSpec& report, const std::string& title, const char* name,
                    std::vector<std::string> after) {
  return {name, StepSpec(report, title, name), std::move(after), name};
}

// The evaluation steps, judging each of `afters` (one per pretraining
// seed) against `before`; the t-SNE maps the first.
absl::Status PlanEvaluations(const v1::JobSpec& spec, const std::string& title,
                             const v1::DataConfig& data, const v1::InputSpec* input,
                             const std::vector<v1::EvalSubject>& afters,
                             const v1::EvalSubject& before,
                             const std::vector<std::string>& after_pretrain,
                             std::vector<ReportStepPlan>& steps) {
  const v1::ReportConfig& r = spec.report();
  ReportStepPlan linear = Step(spec, title, kLinearEvalStep, after_pretrain);
  auto* l = linear.spec.mutable_linear_eval();
  *l->mutable_data() = data;
  for (const v1::EvalSubject& after : afters) *l->add_subjects() = after;
  *l->add_subjects() = before;
  l->add_subjects()->mutable_raw_pixels();
  if (input != nullptr) *l->mutable_input() = *input;
  if (r.has_protocol()) *l->mutable_protocol() = r.protocol();
  if (r.has_classifier()) *l->mutable_classifier() = r.classifier();
  steps.push_back(std::move(linear));
  if (!r.skip_finetune()) {
    const v1::FinetuneConfig& given = r.finetune();
    SIMCLR_RETURN_IF_ERROR(MustBeEmpty(given.has_data(), "report.finetune.data"));
    SIMCLR_RETURN_IF_ERROR(MustBeEmpty(given.subjects_size() > 0, "report.finetune.subjects"));
    SIMCLR_RETURN_IF_ERROR(MustBeEmpty(given.has_input(), "report.finetune.input"));
    ReportStepPlan fine = Step(spec, title, kFinetuneStep, after_pretrain);
    auto* f = fine.spec.mutable_finetune();
    *f = given;
    *f->mutable_data() = data;
    for (const v1::EvalSubject& after : afters) *f->add_subjects() = after;
    *f->add_subjects() = before;
    if (input != nullptr) *f->mutable_input() = *input;
    // Its own protocol, when given (fine-tuning costs more per run).
    if (r.has_protocol() && !given.has_protocol()) *f->mutable_protocol() = r.protocol();
    steps.push_back(std::move(fine));
  }
  const v1::TsneConfig& tsne = r.tsne();
  SIMCLR_RETURN_IF_ERROR(MustBeEmpty(tsne.has_data(), "report.tsne.data"));
  SIMCLR_RETURN_IF_ERROR(MustBeEmpty(tsne.has_subject(), "report.tsne.subject"));
  SIMCLR_RETURN_IF_ERROR(MustBeEmpty(tsne.has_input(), "report.tsne.input"));
  SIMCLR_RETURN_IF_ERROR(MustBeEmpty(!tsne.title().empty(), "report.tsne.title"));
  // The "after" map needs only the first seed's pretraining.
  const std::vector<std::string> first_pretrain(
      after_pretrain.begin(), after_pretrain.begin() + std::min<size_t>(1, after_pretrain.size()));
  for (const auto& [name, subject, needs] :
       {std::tuple{kTsneBeforeStep, &before, std::vector<std::string>()},
        std::tuple{kTsneAfterStep, &afters.front(), first_pretrain}}) {
    ReportStepPlan map = Step(spec, title, name, needs);
    auto* t = map.spec.mutable_tsne();
    *t = tsne;
    *t->mutable_data() = data;
    *t->mutable_subject() = *subject;
    if (input != nullptr) *t->mutable_input() = *input;
    t->set_title(absl::StrCat(subject->name(), ": t-SNE of the features"));
    steps.push_back(std::move(map));
  }
  return absl::OkStatus();
}

absl::Status CheckPretrainSeeds(const v1::ReportConfig& r) {
  const auto& seeds = r.pretrain_seeds();
  if (seeds.empty()) return absl::OkStatus();
  if (!r.has_pretrain()) return FieldError("report.pretrain_seeds", "only with report.pretrain");
  if (seeds.size() < 2 || seeds.size() > kMaxPretrainSeeds) {
    return FieldError("report.pretrain_seeds",
                      absl::StrCat(seeds.size(), " values; give 2 to ", kMaxPretrainSeeds,
                                   " (none: one pretraining with the report's seed)"));
  }
  for (int i = 0; i < seeds.size(); ++i) {
    for (int j = 0; j < i; ++j) {
      if (seeds[i] == seeds[j]) {
        return FieldError(absl::StrCat("report.pretrain_seeds[", i, "]"),
                          absl::StrCat(seeds[i], " is given twice"));
      }
    }
  }
  return absl::OkStatus();
}

// The pretraining steps, one per seed (or one with the report's seed), and
// the subjects that judge what each trains.
absl::StatusOr<std::vector<v1::EvalSubject>> PlanPretraining(
    const v1::JobSpec& spec, const std::string& title, const v1::DataConfig& data,
    const std::vector<std::string>& job_ids, std::vector<ReportStepPlan>& steps) {
  const v1::ReportConfig& r = spec.report();
  const bool seeded = !r.pretrain_seeds().empty();
  std::vector<v1::EvalSubject> afters;
  for (int i = 0; i < PretrainStepCount(r); ++i) {
    const uint64_t seed = seeded ? r.pretrain_seeds(i) : spec.seed();
    const std::string name = seeded ? absl::StrCat(kPretrainSeedStepPrefix, seed) : kPretrainStep;
    ReportStepPlan step{name, StepSpec(spec, title, name.c_str()), {}, i == 0 ? kPretrainStep : ""};
    step.pretrain_index = i;
    step.spec.set_seed(seed);
    *step.spec.mutable_pretrain() = r.pretrain();
    if (!r.pretrain().has_data()) *step.spec.mutable_pretrain()->mutable_data() = data;
    steps.push_back(std::move(step));
    v1::EvalSubject& after = afters.emplace_back();
    after.set_name(seeded ? SeedSubject(seed) : kAfterSubject);
    after.set_job_id(job_ids[i]);
  }
  return afters;
}

// A step's field path as the report's ("linear_eval.protocol" →
// "report.protocol"): the first matching prefix wins.
absl::Status AsReportField(const absl::Status& status, const ReportStepPlan& step,
                           const v1::ReportConfig& report) {
  if (status.ok()) return status;
  const std::string kind = step.spec.has_pretrain()      ? "pretrain"
                           : step.spec.has_linear_eval() ? "linear_eval"
                           : step.spec.has_finetune()    ? "finetune"
                                                         : "tsne";
  const std::vector<std::pair<std::string, std::string>> rewrites = {
      {"pretrain.data", report.pretrain().has_data() ? "report.pretrain.data" : "report.data"},
      {"finetune.protocol",
       report.finetune().has_protocol() ? "report.finetune.protocol" : "report.protocol"},
      {"pretrain", "report.pretrain"},
      {kind + ".data", "report.data"},
      {kind + ".protocol", "report.protocol"},
      {kind + ".input", "report.input"},
      {kind + ".subjects[1]", "report.before"},
      {kind + ".subjects[0].torchscript", "report.torchscript"},
      {kind + ".subject", step.name == kTsneBeforeStep ? "report.before" : "report"},
      {"linear_eval.classifier", "report.classifier"},
      {"linear_eval", "report"},
      {"finetune", "report.finetune"},
      {"tsne", "report.tsne"},
  };
  const std::string field = ErrorField(status);
  for (const auto& [from, to] : rewrites) {
    if (!absl::StartsWith(field, from)) continue;
    const std::string rest = field.substr(from.size());
    if (!rest.empty() && rest[0] != '.' && rest[0] != '[') continue;
    std::string message(status.message());
    if (absl::StartsWith(message, field)) message = message.substr(field.size());
    return FieldError(to + rest, absl::StripPrefix(message, ": "), status.code());
  }
  return status;
}

}  // namespace

int PretrainStepCount(const v1::ReportConfig& report) {
  if (!report.has_pretrain()) return 0;
  return std::max(1, report.pretrain_seeds_size());
}

std::vector<std::string> PlaceholderPretrainJobIds(const v1::ReportConfig& report) {
  std::vector<std::string> ids;
  for (int i = 0; i < PretrainStepCount(report); ++i) ids.push_back(absl::StrFormat("job-%012d", i));
  return ids;
}

std::string SeedSubject(uint64_t seed) { return absl::StrCat(kAfterSubject, " seed ", seed); }

absl::StatusOr<std::vector<ReportStepPlan>> PlanReport(
    const v1::JobSpec& spec, const std::vector<std::string>& pretrain_job_ids) {
  if (!spec.has_report()) return absl::InvalidArgumentError("spec: not a report job");
  const v1::ReportConfig& r = spec.report();
  if (!r.data().has_train()) return FieldError("report.data.train", "required");
  SIMCLR_RETURN_IF_ERROR(CheckPretrainSeeds(r));
  if (static_cast<int>(pretrain_job_ids.size()) != PretrainStepCount(r)) {
    return absl::InternalError("PlanReport: one job id per pretraining step");
  }
  v1::DataConfig data = r.data();
  // Pretraining then holds out exactly the images the evaluations score on.
  if (!data.has_test() && !data.has_test_fraction()) data.set_test_fraction(0.2);
  const std::string title = Title(spec);
  std::vector<ReportStepPlan> steps;
  std::vector<std::string> after_pretrain;
  std::vector<v1::EvalSubject> afters(1);
  v1::EvalSubject before = r.before();
  afters[0].set_name(kAfterSubject);
  const v1::InputSpec* input = r.has_input() ? &r.input() : nullptr;
  if (r.has_pretrain()) {
    if (input == nullptr && r.pretrain().has_input()) input = &r.pretrain().input();
    if (!r.has_before()) {
      SIMCLR_ASSIGN_OR_RETURN(before, StartingPoint(r.pretrain().encoder()));
    }
    SIMCLR_ASSIGN_OR_RETURN(afters, PlanPretraining(spec, title, data, pretrain_job_ids, steps));
    for (const ReportStepPlan& step : steps) after_pretrain.push_back(step.name);
  } else if (r.encoder_source_case() == v1::ReportConfig::kCheckpointId) {
    afters[0].set_checkpoint_id(r.checkpoint_id());
    if (!r.has_before()) return FieldError("report.before", "required with report.checkpoint_id");
  } else if (r.encoder_source_case() == v1::ReportConfig::kTorchscript) {
    *afters[0].mutable_torchscript() = r.torchscript();
    if (!r.has_before()) return FieldError("report.before", "required with report.torchscript");
  } else {
    return FieldError("report", "set pretrain, checkpoint_id or torchscript (the encoder to judge)");
  }
  if (before.name().empty()) before.set_name(kBeforeSubject);
  SIMCLR_RETURN_IF_ERROR(
      PlanEvaluations(spec, title, data, input, afters, before, after_pretrain, steps));
  return steps;
}

absl::Status ValidateReport(const v1::JobSpec& spec) {
  const v1::ReportConfig& r = spec.report();
  SIMCLR_RETURN_IF_ERROR(CheckLength("report.title", r.title(), 128));
  SIMCLR_RETURN_IF_ERROR(CheckLength("report.checkpoint_id", r.checkpoint_id(), kMaxIdChars));
  for (const char* step :
       {kPretrainStep, kLinearEvalStep, kFinetuneStep, kTsneBeforeStep, kTsneAfterStep}) {
    SIMCLR_RETURN_IF_ERROR(CheckLength(absl::StrCat("report.inputs.", step),
                                       ReportInput(r.inputs(), step), kMaxPathChars));
  }
  SIMCLR_ASSIGN_OR_RETURN(const std::vector<ReportStepPlan> steps,
                          PlanReport(spec, PlaceholderPretrainJobIds(r)));
  for (const ReportStepPlan& step : steps) {
    SIMCLR_RETURN_IF_ERROR(
        AsReportField(ValidateJobSpec(step.spec), step, r));
  }
  return absl::OkStatus();
}

std::string* MutableReportInput(v1::ReportInputs& inputs, const std::string& step) {
  if (step == kPretrainStep) return inputs.mutable_pretrain();
  if (step == kLinearEvalStep) return inputs.mutable_linear_eval();
  if (step == kFinetuneStep) return inputs.mutable_finetune();
  if (step == kTsneBeforeStep) return inputs.mutable_tsne_before();
  if (step == kTsneAfterStep) return inputs.mutable_tsne_after();
  return nullptr;
}

const std::string& ReportInput(const v1::ReportInputs& inputs, const std::string& step) {
  static const std::string kNone;
  if (step == kPretrainStep) return inputs.pretrain();
  if (step == kLinearEvalStep) return inputs.linear_eval();
  if (step == kFinetuneStep) return inputs.finetune();
  if (step == kTsneBeforeStep) return inputs.tsne_before();
  if (step == kTsneAfterStep) return inputs.tsne_after();
  return kNone;
}

}  // namespace simclr::core
