#include "core/eval/linear_eval_job.h"

#include <chrono>
#include <filesystem>
#include <optional>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "core/common/status_macros.h"
#include "core/eval/eval_data.h"
#include "core/eval/eval_preparation.h"
#include "core/eval/eval_report.h"
#include "core/eval/eval_runs.h"
#include "core/eval/eval_subject.h"
#include "core/eval/finished_runs.h"
#include "core/eval/logistic_regression.h"
#include "core/inference/features.h"
#include "core/runtime/memory_format.h"
#include "core/runtime/torch_files.h"
#include "core/runtime/torch_status.h"
#include "core/spec/linear_eval_settings.h"
#include "torch/torch.h"

namespace simclr::core {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

// The solver's view of the resolved settings.
struct LinearSettings {
  std::vector<double> c_grid;
  int folds = 5;
  LogisticRegressionOptions solver;
  LogisticRegressionOptions cv_solver;  // capped iterations
  int64_t batch_size = 256;
  bool cache = true;
};

LinearSettings SolverSettings(const LinearEvalSettings& resolved) {
  LinearSettings s;
  s.c_grid = resolved.c_grid.empty() ? DefaultCGrid() : resolved.c_grid;
  s.folds = resolved.folds;
  s.solver.max_iterations = resolved.max_iterations;
  s.solver.tolerance = resolved.tolerance;
  s.solver.standardize = resolved.standardize;
  s.cv_solver = s.solver;
  s.cv_solver.max_iterations = resolved.cv_max_iterations;
  s.batch_size = resolved.batch_size;
  s.cache = resolved.cache_features;
  return s;
}

// Features of `indices` of `dataset` for one subject: flattened eval
// inputs for raw pixels, else the encoder's output. Cached on disk under
// `cache_path` when it is not empty.
absl::StatusOr<at::Tensor> SubjectFeatures(LoadedSubject& subject,
                                           const ImageDataset& dataset,
                                           const std::vector<int64_t>& indices,
                                           const InputShape& shape,
                                           int64_t batch_size,
                                           c10::Device device,
                                           const std::string& cache_path) {
  return CallTorch(absl::StrCat("features of ", subject.name), [&] {
    at::Tensor features;
    if (!cache_path.empty() && fs::exists(cache_path)) {
      torch::load(features, cache_path);
      if (features.size(0) == static_cast<int64_t>(indices.size()))
        return features;
    }
    if (!subject.encoder) {
      features = EvalInputs(dataset, indices.data(),
                            static_cast<int64_t>(indices.size()), shape)
                     .flatten(1);
    } else {
      features = ExtractFeatures(subject.encoder->module, dataset, indices,
                                 shape, batch_size, device);
    }
    if (!cache_path.empty()) {
      fs::create_directories(fs::path(cache_path).parent_path());
      // A cache that cannot be written (a full disk) is only slower later.
      if (SaveTensor(features, cache_path + ".tmp").ok()) {
        std::error_code ignored;
        fs::rename(cache_path + ".tmp", cache_path, ignored);
      }
    }
    return features;
  });
}

std::vector<int64_t> AllIndices(int64_t n) {
  std::vector<int64_t> all(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) all[static_cast<size_t>(i)] = i;
  return all;
}

at::Tensor LabelTensor(const std::vector<int32_t>& labels,
                       const std::vector<int64_t>& indices) {
  std::vector<int64_t> out(indices.size());
  for (size_t i = 0; i < indices.size(); ++i)
    out[i] = labels[static_cast<size_t>(indices[i])];
  return torch::tensor(out, torch::kInt64);
}

// Everything the probes of one job share.
struct LinearJob {
  const v1::JobSpec& spec;
  const JobRun& run;
  EventSink& events;
  EvalProtocolSettings protocol;
  LinearSettings settings;
  PreparedEvaluation prepared;
  std::vector<int64_t> test_indices;
  at::Tensor y_pool, y_test;
};

struct SubjectFeatureSet {
  at::Tensor pool, test;
};

// A subject's features of the pool and the test images, cached in the job
// folder when its weights are known by their SHA-256.
absl::StatusOr<SubjectFeatureSet> FeaturesOf(LinearJob& job, LoadedSubject& subject) {
  const auto start = Clock::now();
  const EvalData& data = job.prepared.data;
  const InputShape& shape = job.prepared.shape;
  const bool cache = job.settings.cache && !subject.cache_key.empty();
  const std::string base =
      cache ? (fs::path(job.run.job_dir) / "features" /
               absl::StrCat(subject.cache_key.substr(0, 16), "-", shape.size))
                  .string()
            : "";
  SubjectFeatureSet features;
  SIMCLR_ASSIGN_OR_RETURN(features.pool,
                          SubjectFeatures(subject, data.train, data.pool, shape,
                                          job.settings.batch_size, job.run.device,
                                          cache ? base + "-train.pt" : ""));
  SIMCLR_ASSIGN_OR_RETURN(features.test,
                          SubjectFeatures(subject, data.test, job.test_indices, shape,
                                          job.settings.batch_size, job.run.device,
                                          cache ? base + "-test.pt" : ""));
  EmitLog(job.events,
          absl::StrFormat("%s: %d-dimensional features of %d + %d images in %.1f s",
                          subject.name, features.pool.size(1), features.pool.size(0),
                          features.test.size(0),
                          std::chrono::duration<double>(Clock::now() - start).count()));
  return features;
}

// Run `r` of label fraction `f`: C by cross-validation on the run's subset,
// the final fit, and its test top-1, as a one-run result.
absl::StatusOr<v1::EvalResult> ProbeOnce(LinearJob& job, const std::string& subject,
                                         const SubjectFeatureSet& features, size_t f,
                                         int r) {
  const EvalData& data = job.prepared.data;
  const LinearSettings& s = job.settings;
  const double fraction = job.protocol.label_fractions[f];
  const uint64_t seed = RunSeed(job.spec.seed(), static_cast<int>(f), r);
  SIMCLR_ASSIGN_OR_RETURN(const std::vector<int64_t> subset,
                          LabelSubset(data.pool, data.train.labels, fraction, seed));
  const at::Tensor rows = torch::tensor(subset, torch::kInt64);
  const at::Tensor x = features.pool.index_select(0, rows);
  const at::Tensor y = job.y_pool.index_select(0, rows);
  const int64_t classes = data.train.num_classes();
  SIMCLR_ASSIGN_OR_RETURN(const CrossValidation cv,
                          CrossValidateC(x, y, classes, s.c_grid, s.folds, seed, s.cv_solver));
  SIMCLR_ASSIGN_OR_RETURN(
      const LogisticModel model,
      FitLogisticRegression(x, y, classes, cv.best_c, s.solver, &cv.warm_start));
  if (!model.converged) {
    EmitLog(job.events,
            absl::StrFormat("%s: L-BFGS stopped at its %d iterations with gradient %.2e "
                            "(tolerance %.0e)",
                            subject, s.solver.max_iterations, model.final_gradient,
                            s.solver.tolerance));
  }
  SIMCLR_ASSIGN_OR_RETURN(const at::Tensor predicted, CallTorch("predict", [&] {
                            return model.Predict(features.test).contiguous();
                          }));
  v1::EvalResult one;
  one.set_classifier("linear");
  one.set_subject(subject);
  one.set_label_fraction(fraction);
  one.add_top1_runs(predicted.eq(job.y_test).to(torch::kFloat64).mean().item<double>());
  one.add_chosen_c(cv.best_c);
  one.set_train_examples(static_cast<int64_t>(subset.size()));
  const int64_t* p = predicted.data_ptr<int64_t>();
  AddToConfusion(job.prepared.truth, std::vector<int64_t>(p, p + predicted.numel()),
                 data.train.class_names, one.mutable_confusion());
  return one;
}

// Every run of one subject, in the job's run order (fractions, then
// repeats): runs finished before a stop are read back, the others probed
// and recorded. The features are extracted only when a run is left.
absl::Status ProbeSubject(LinearJob& job, size_t si, FinishedRuns& finished,
                          size_t& run_index, RunProgress& progress, v1::EvalReport& report) {
  LoadedSubject& subject = job.prepared.subjects[si];
  const size_t fractions = job.protocol.label_fractions.size();
  const size_t runs = fractions * static_cast<size_t>(job.protocol.repeats);
  std::optional<SubjectFeatureSet> features;
  if (run_index + runs > finished.runs().size()) {
    SIMCLR_ASSIGN_OR_RETURN(features, FeaturesOf(job, subject));
  }
  const int subjects = static_cast<int>(job.prepared.subjects.size());
  for (size_t f = 0; f < fractions; ++f) {
    const double fraction = job.protocol.label_fractions[f];
    v1::EvalResult& cell =
        *report.mutable_results(static_cast<int>(f) * subjects + static_cast<int>(si));
    for (int r = 0; r < job.protocol.repeats; ++r, ++run_index) {
      if (job.run.stop != nullptr && job.run.stop->load()) {
        return absl::AbortedError("stopped on request");
      }
      SIMCLR_ASSIGN_OR_RETURN(const v1::EvalResult* done,
                              finished.Finished(run_index, subject.name, fraction));
      if (done != nullptr) {
        AddRunToCell(*done, cell);
        progress.RunFinishedBefore(
            absl::StrFormat("%s at %g %% of the labels", subject.name, fraction * 100),
            done->top1_runs_size() > 0 ? done->top1_runs(0) : 0);
        continue;
      }
      SIMCLR_ASSIGN_OR_RETURN(const v1::EvalResult one,
                              ProbeOnce(job, subject.name, *features, f, r));
      SIMCLR_RETURN_IF_ERROR(finished.Append(one));
      AddRunToCell(one, cell);
      progress.RunDone(absl::StrFormat("%s at %g %% of the labels (C = %.3g)", subject.name,
                                       fraction * 100, one.chosen_c(0)),
                       one.top1_runs(0));
    }
    SummariseRuns(cell);
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status RunLinearEval(const v1::JobSpec& spec, const JobRun& run, EventSink& events) {
  if (!spec.has_linear_eval()) {
    return absl::InvalidArgumentError("spec: not a linear_eval job");
  }
  const auto start = Clock::now();
  const v1::LinearEvalConfig& config = spec.linear_eval();
  SIMCLR_ASSIGN_OR_RETURN(const LinearEvalSettings resolved,
                          ResolveLinearEvalSettings(config));
  LinearJob job{spec, run, events, resolved.protocol, SolverSettings(resolved)};
  // Cross-validation picks C, so no validation slice is held out. Every
  // subject loads (and fails) before any work starts.
  SIMCLR_ASSIGN_OR_RETURN(job.prepared,
                          PrepareEvaluation(config.data(), 0.0, config.input(),
                                            config.subjects(), spec.seed(), run,
                                            "linear_eval", /*subjects_to_device=*/true));
  SIMCLR_RETURN_IF_ERROR(CreateJobDir(run.job_dir));
  const EvalData& data = job.prepared.data;
  std::vector<LoadedSubject>& subjects = job.prepared.subjects;
  job.test_indices = AllIndices(data.test.size());
  job.y_pool = LabelTensor(data.train.labels, data.pool);
  job.y_test = LabelTensor(data.test.labels, job.test_indices);

  const EvalProtocolSettings& protocol = job.protocol;
  v1::EvalReport report = NewEvalReport("linear", subjects, protocol, data, spec.seed());
  RunProgress progress(static_cast<int64_t>(protocol.label_fractions.size()) *
                           protocol.repeats * static_cast<int64_t>(subjects.size()),
                       events);
  SIMCLR_ASSIGN_OR_RETURN(FinishedRuns finished,
                          FinishedRuns::Open(run.job_dir, EvalFingerprint(spec), run.resume));
  if (!finished.runs().empty()) {
    EmitLog(events, absl::StrCat("resuming: ", finished.runs().size(),
                                 " runs finished before, in ", finished.path()));
  }
  size_t run_index = 0;
  for (size_t si = 0; si < subjects.size(); ++si) {
    SIMCLR_RETURN_IF_ERROR(ProbeSubject(job, si, finished, run_index, progress, report));
  }
  report.set_seconds(std::chrono::duration<double>(Clock::now() - start).count());
  return WriteEvalReport(run.job_dir, report, events);
}

}  // namespace simclr::core
