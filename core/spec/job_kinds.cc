#include "core/spec/job_kinds.h"

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "core/common/field_error.h"
#include "core/common/layout.h"
#include "core/common/status_macros.h"
#include "core/spec/checks.h"
#include "core/spec/device_name.h"
#include "core/spec/embed_settings.h"
#include "core/spec/finetune_settings.h"
#include "core/spec/linear_eval_settings.h"
#include "core/spec/pretrain_settings.h"
#include "core/spec/report_plan.h"
#include "core/spec/tsne_settings.h"

namespace simclr::core {
namespace {

template <typename Repeated>
std::vector<SubjectRef> AllOf(Repeated* subjects, const std::string& field) {
  std::vector<SubjectRef> refs;
  for (int i = 0; i < subjects->size(); ++i) {
    refs.emplace_back(subjects->Mutable(i), Item(field, i));
  }
  return refs;
}

JobKindInfo EmbedKind() {
  return {v1::JobSpec::kEmbed, v1::JOB_KIND_EMBED, "embed",
       [](const v1::JobSpec& s) {
         return ResolveEmbedSettings(s.embed()).status();
       },
       /*resumable=*/false,
       [](v1::JobSpec& s) { return s.mutable_embed()->mutable_data(); },
       [](const v1::JobSpec& s) -> const v1::DataConfig& {
         return s.embed().data();
       },
       [](v1::JobSpec& s) {
         return std::vector<SubjectRef>{
             {s.mutable_embed()->mutable_subject(), "embed.subject"}};
       },
       {absl::StrCat(layout::kArtifactsFolder, "/features.npy"),
        absl::StrCat(layout::kArtifactsFolder, "/labels.npy"),
        absl::StrCat(layout::kArtifactsFolder, "/indices.npy")}};
}

JobKindInfo ReportKind() {
  return {v1::JobSpec::kReport, v1::JOB_KIND_REPORT, "report", &ValidateReport,
       /*resumable=*/true,
       [](v1::JobSpec& s) { return s.mutable_report()->mutable_data(); },
       [](const v1::JobSpec& s) -> const v1::DataConfig& { return s.report().data(); },
       [](v1::JobSpec& s) {
         std::vector<SubjectRef> refs;
         if (s.report().has_before()) {
           refs.emplace_back(s.mutable_report()->mutable_before(), "report.before");
         }
         return refs;
       },
       {layout::kReportJson, layout::kReportMarkdown, layout::kReportHtml}};
}

const std::vector<JobKindInfo>& Table() {
  static const auto* const table = new std::vector<JobKindInfo>{
      {v1::JobSpec::kPretrain, v1::JOB_KIND_PRETRAIN, "pretrain",
       [](const v1::JobSpec& s) {
         return ResolvePretrainSettings(s.pretrain(), s.has_num_ranks() ? s.num_ranks() : 1)
             .status();
       },
       /*resumable=*/true,
       [](v1::JobSpec& s) { return s.mutable_pretrain()->mutable_data(); },
       [](const v1::JobSpec& s) -> const v1::DataConfig& {
         return s.pretrain().data();
       },
       [](v1::JobSpec&) { return std::vector<SubjectRef>(); },
       {absl::StrCat(layout::kCheckpointsFolder, "/", layout::kFinalLink, "/",
                     layout::kEncoderFile),
        absl::StrCat(layout::kCheckpointsFolder, "/", layout::kFinalLink, "/",
                     layout::kMetaFile)}},
      {v1::JobSpec::kLinearEval, v1::JOB_KIND_LINEAR_EVAL, "linear_eval",
       [](const v1::JobSpec& s) {
         return ResolveLinearEvalSettings(s.linear_eval()).status();
       },
       /*resumable=*/true,
       [](v1::JobSpec& s) { return s.mutable_linear_eval()->mutable_data(); },
       [](const v1::JobSpec& s) -> const v1::DataConfig& {
         return s.linear_eval().data();
       },
       [](v1::JobSpec& s) {
         return AllOf(s.mutable_linear_eval()->mutable_subjects(),
                      "linear_eval.subjects");
       },
       {layout::kReportJson, layout::kReportMarkdown}},
      {v1::JobSpec::kFinetune, v1::JOB_KIND_FINETUNE, "finetune",
       [](const v1::JobSpec& s) {
         return ResolveFinetuneSettings(s.finetune()).status();
       },
       /*resumable=*/true,
       [](v1::JobSpec& s) { return s.mutable_finetune()->mutable_data(); },
       [](const v1::JobSpec& s) -> const v1::DataConfig& {
         return s.finetune().data();
       },
       [](v1::JobSpec& s) {
         return AllOf(s.mutable_finetune()->mutable_subjects(),
                      "finetune.subjects");
       },
       {layout::kReportJson, layout::kReportMarkdown}},
      {v1::JobSpec::kTsne, v1::JOB_KIND_TSNE, "tsne",
       [](const v1::JobSpec& s) {
         return ResolveTsneSettings(s.tsne()).status();
       },
       /*resumable=*/false,
       [](v1::JobSpec& s) { return s.mutable_tsne()->mutable_data(); },
       [](const v1::JobSpec& s) -> const v1::DataConfig& {
         return s.tsne().data();
       },
       [](v1::JobSpec& s) {
         return std::vector<SubjectRef>{
             {s.mutable_tsne()->mutable_subject(), "tsne.subject"}};
       },
       {absl::StrCat(layout::kArtifactsFolder, "/tsne.png"),
        absl::StrCat(layout::kArtifactsFolder, "/tsne.csv"), layout::kReportJson}},
      EmbedKind(),
      ReportKind(),
  };
  return *table;
}

// The fields every kind shares.
absl::Status ValidateCommon(const v1::JobSpec& spec) {
  SIMCLR_RETURN_IF_ERROR(CheckLength("display_name", spec.display_name(), 128));
  SIMCLR_RETURN_IF_ERROR(CheckInt("priority", spec.priority(), -100, 100));
  SIMCLR_RETURN_IF_ERROR(CheckLength("device", spec.device(), 16));
  if (auto device = ParseDeviceName(spec.device()); !device.ok()) {
    return FieldError("device", device.status().message());
  }
  SIMCLR_RETURN_IF_ERROR(CheckInt("num_threads", spec.num_threads(), 0, 256));
  if (spec.has_max_restarts()) {
    SIMCLR_RETURN_IF_ERROR(CheckInt("max_restarts", spec.max_restarts(), 0, 100));
  }
  if (spec.has_num_ranks()) {
    SIMCLR_RETURN_IF_ERROR(CheckInt("num_ranks", spec.num_ranks(), 1, 64));
    if (spec.num_ranks() > 1 && !spec.has_pretrain()) {
      return FieldError("num_ranks",
                        "only pretraining jobs train on several ranks; evaluations, t-SNE, "
                        "embedding and report jobs take 1");
    }
  }
  if (spec.has_pretrain() && spec.pretrain().sync_batch_norm() &&
      spec.pretrain().encoder().source_case() != v1::EncoderConfig::kBuiltin) {
    return FieldError("pretrain.sync_batch_norm",
                      "needs a built-in encoder (encoder.builtin); a TorchScript or "
                      "checkpoint encoder's BatchNorm layers cannot be synchronised");
  }
  return CheckLabels("labels", spec.labels());
}

}  // namespace

absl::Span<const JobKindInfo> JobKinds() { return Table(); }

const JobKindInfo* FindJobKind(const v1::JobSpec& spec) {
  for (const JobKindInfo& info : Table()) {
    if (info.kind_case == spec.kind_case()) return &info;
  }
  return nullptr;
}

const JobKindInfo* FindJobKind(v1::JobKind kind) {
  for (const JobKindInfo& info : Table()) {
    if (info.kind == kind) return &info;
  }
  return nullptr;
}

absl::Status ValidateJobSpec(const v1::JobSpec& spec) {
  SIMCLR_RETURN_IF_ERROR(ValidateCommon(spec));
  const JobKindInfo* kind = FindJobKind(spec);
  if (kind == nullptr) {
    return FieldError("kind", "set one of pretrain, linear_eval, finetune, tsne, embed or report");
  }
  return kind->validate(spec);
}

}  // namespace simclr::core
