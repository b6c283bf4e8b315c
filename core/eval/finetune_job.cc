#include "core/eval/finetune_job.h"

#include <chrono>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "core/common/status_macros.h"
#include "core/eval/eval_preparation.h"
#include "core/eval/eval_report.h"
#include "core/eval/eval_runs.h"
#include "core/eval/finetune_curves.h"
#include "core/eval/finetune_run.h"
#include "core/eval/finished_runs.h"
#include "core/spec/finetune_settings.h"
#include "torch/torch.h"

namespace simclr::core {
namespace {

using Clock = std::chrono::steady_clock;

std::string CurvesTitle(const v1::JobSpec& spec) {
  return spec.display_name().empty() ? "Fine-tuning"
                                     : absl::StrCat("Fine-tuning: ", spec.display_name());
}

// Everything the runs of one job share.
struct FinetuneJob {
  const v1::JobSpec& spec;
  const JobRun& run;
  EventSink& events;
  FinetuneSettings settings;
  PreparedEvaluation prepared;
  RunInputs in;
};

// A new run: a fresh encoder (random-init: this run's own weights) and
// head trained on the run's stratified subset, then scored.
absl::StatusOr<v1::EvalResult> TrainRun(FinetuneJob& job, size_t f, int si, int r) {
  const v1::FinetuneConfig& config = job.spec.finetune();
  const EvalData& data = job.prepared.data;
  const double fraction = job.settings.protocol.label_fractions[f];
  const uint64_t seed = RunSeed(job.spec.seed(), static_cast<int>(f), r);
  SIMCLR_ASSIGN_OR_RETURN(const std::vector<int64_t> positions,
                          LabelSubset(data.pool, data.train.labels, fraction, seed));
  std::vector<int64_t> train_ids;
  for (const int64_t p : positions) train_ids.push_back(data.pool[static_cast<size_t>(p)]);
  SIMCLR_ASSIGN_OR_RETURN(LoadedSubject subject,
                          LoadSubject(config.subjects(si), job.prepared.shape, seed,
                                      job.run.spec_dir,
                                      absl::StrCat("finetune.subjects[", si, "]")));
  torch::manual_seed(seed);
  SIMCLR_ASSIGN_OR_RETURN(ClassifierHead head,
                          BuildClassifierHead(config.head(), subject.encoder->feature_dim,
                                              data.train.num_classes(), "finetune.head"));
  SIMCLR_ASSIGN_OR_RETURN(
      const RunResult result,
      FinetuneOnce(*subject.encoder, head, train_ids, seed, job.in, job.events));
  v1::EvalResult one;
  one.set_classifier("finetune");
  one.set_subject(job.prepared.subjects[static_cast<size_t>(si)].name);
  one.set_label_fraction(fraction);
  one.add_top1_runs(result.top1);
  one.add_epochs_run(result.epochs);
  one.add_steps_run(result.steps);
  one.set_train_examples(static_cast<int64_t>(train_ids.size()));
  for (const v1::EpochSummary& epoch : result.history) *one.add_epoch_history() = epoch;
  AddToConfusion(job.prepared.truth, result.predicted, data.train.class_names,
                 one.mutable_confusion());
  return one;
}

// The repeats of one (fraction, subject) cell: runs finished before a
// pause are read back, the others trained and recorded.
absl::Status RunCell(FinetuneJob& job, size_t f, int si, FinishedRuns& finished,
                     size_t& run_index, RunProgress& progress, v1::EvalResult& cell) {
  const double fraction = job.settings.protocol.label_fractions[f];
  for (int r = 0; r < job.settings.protocol.repeats; ++r, ++run_index) {
    SIMCLR_ASSIGN_OR_RETURN(const v1::EvalResult* done,
                            finished.Finished(run_index, cell.subject(), fraction));
    if (done != nullptr) {
      AddRunToCell(*done, cell);
      progress.RunFinishedBefore(
          absl::StrFormat("%s at %g %% of the labels", done->subject(), fraction * 100),
          done->top1_runs_size() > 0 ? done->top1_runs(0) : 0);
      continue;
    }
    SIMCLR_ASSIGN_OR_RETURN(const v1::EvalResult one, TrainRun(job, f, si, r));
    SIMCLR_RETURN_IF_ERROR(finished.Append(one));
    SIMCLR_RETURN_IF_ERROR(WriteFinetuneCurves(job.run.job_dir, finished.runs(),
                                               CurvesTitle(job.spec), job.events));
    AddRunToCell(one, cell);
    progress.RunDone(absl::StrFormat("%s at %g %% of the labels, %d epochs, %d steps",
                                     one.subject(), fraction * 100, one.epochs_run(0),
                                     one.steps_run(0)),
                     one.top1_runs(0));
  }
  SummariseRuns(cell);
  return absl::OkStatus();
}

// Every subject loads, and gets a head, before any work starts.
absl::Status CheckHeads(const FinetuneJob& job) {
  for (const LoadedSubject& subject : job.prepared.subjects) {
    SIMCLR_RETURN_IF_ERROR(BuildClassifierHead(job.spec.finetune().head(),
                                               subject.encoder->feature_dim,
                                               job.prepared.data.train.num_classes(),
                                               "finetune.head")
                               .status());
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status RunFinetune(const v1::JobSpec& spec, const JobRun& run, EventSink& events) {
  if (!spec.has_finetune()) return absl::InvalidArgumentError("spec: not a finetune job");
  const auto start = Clock::now();
  const v1::FinetuneConfig& config = spec.finetune();
  FinetuneJob job{spec, run, events};
  SIMCLR_ASSIGN_OR_RETURN(job.settings, ResolveFinetuneSettings(config));
  SIMCLR_ASSIGN_OR_RETURN(job.prepared,
                          PrepareEvaluation(config.data(), 0.1, config.input(),
                                            config.subjects(), spec.seed(), run, "finetune",
                                            /*subjects_to_device=*/false));
  SIMCLR_RETURN_IF_ERROR(CheckHeads(job));
  SIMCLR_RETURN_IF_ERROR(CreateJobDir(run.job_dir));
  const EvalData& data = job.prepared.data;
  job.in = {&data, &job.prepared.shape, &job.settings, std::nullopt, run.device, run.stop};
  if (job.settings.augment) job.in.transform.emplace(*job.settings.augment, job.prepared.shape);

  const EvalProtocolSettings& protocol = job.settings.protocol;
  v1::EvalReport report =
      NewEvalReport("finetune", job.prepared.subjects, protocol, data, spec.seed());
  report.set_val_examples(static_cast<int64_t>(data.val.size()));
  SIMCLR_ASSIGN_OR_RETURN(FinishedRuns finished,
                          FinishedRuns::Open(run.job_dir, EvalFingerprint(spec), run.resume));
  if (!finished.runs().empty()) {
    EmitLog(events, absl::StrCat("resuming: ", finished.runs().size(),
                                 " runs finished before, in ", finished.path()));
  }
  const int subjects = config.subjects_size();
  RunProgress progress(
      static_cast<int64_t>(protocol.label_fractions.size()) * protocol.repeats * subjects,
      events);
  size_t run_index = 0;
  for (size_t f = 0; f < protocol.label_fractions.size(); ++f) {
    for (int si = 0; si < subjects; ++si) {
      SIMCLR_RETURN_IF_ERROR(
          RunCell(job, f, si, finished, run_index, progress,
                  *report.mutable_results(static_cast<int>(f) * subjects + si)));
    }
  }
  report.set_seconds(std::chrono::duration<double>(Clock::now() - start).count());
  return WriteEvalReport(run.job_dir, report, events);
}

}  // namespace simclr::core
