#include "core/eval/linear_eval_job.h"

#include <chrono>
#include <filesystem>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "core/common/status_macros.h"
#include "core/eval/eval_data.h"
#include "core/eval/eval_report.h"
#include "core/eval/eval_runs.h"
#include "core/eval/eval_subject.h"
#include "core/eval/features.h"
#include "core/eval/logistic_regression.h"
#include "core/runtime/memory_format.h"
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
      torch::save(features, cache_path + ".tmp");
      fs::rename(cache_path + ".tmp", cache_path);
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

}  // namespace

absl::Status RunLinearEval(const v1::JobSpec& spec, const JobRun& run,
                           EventSink& events) {
  if (spec.kind_case() != v1::JobSpec::kLinearEval) {
    return absl::InvalidArgumentError("spec: not a linear_eval job");
  }
  const auto start = Clock::now();
  const v1::LinearEvalConfig& config = spec.linear_eval();
  SIMCLR_ASSIGN_OR_RETURN(const LinearEvalSettings resolved,
                          ResolveLinearEvalSettings(config));
  const EvalProtocolSettings& protocol = resolved.protocol;
  const LinearSettings settings = SolverSettings(resolved);
  // Cross-validation picks C, so no validation slice is held out.
  SIMCLR_ASSIGN_OR_RETURN(
      EvalData data,
      LoadEvalData(config.data(), 0.0, run.spec_dir, "linear_eval.data"));
  SIMCLR_ASSIGN_OR_RETURN(
      const InputShape shape,
      ResolveEvalInput(config.input(), config.subjects(), data.train.height,
                       data.train.channels, run.spec_dir, "linear_eval"));
  SIMCLR_RETURN_IF_ERROR(CreateJobDir(run.job_dir));

  // Every subject loads (and fails) before any work starts.
  std::vector<LoadedSubject> subjects;
  for (int i = 0; i < config.subjects_size(); ++i) {
    SIMCLR_ASSIGN_OR_RETURN(
        LoadedSubject subject,
        LoadSubject(config.subjects(i), shape, spec.seed(), run.spec_dir,
                    absl::StrCat("linear_eval.subjects[", i, "]")));
    if (subject.encoder) {
      SIMCLR_RETURN_IF_ERROR(CallTorch("move to device", [&] {
        subject.encoder->module.to(run.device);
        ToMemoryFormat(subject.encoder->module, ConvMemoryFormat(run.device));
      }));
    }
    subjects.push_back(std::move(subject));
  }

  const std::vector<int64_t> test_indices = AllIndices(data.test.size());
  const at::Tensor y_pool = LabelTensor(data.train.labels, data.pool);
  const at::Tensor y_test = LabelTensor(data.test.labels, test_indices);
  const int64_t classes = data.train.num_classes();
  std::vector<int64_t> truth(test_indices.size());
  for (size_t i = 0; i < truth.size(); ++i)
    truth[i] = data.test.labels[i];

  v1::EvalReport report;
  report.set_classifier("linear");
  for (const auto& s : subjects) report.add_subjects(s.name);
  for (const double f : protocol.label_fractions) report.add_label_fractions(f);
  report.set_repeats(protocol.repeats);
  report.set_train_examples(static_cast<int64_t>(data.pool.size()));
  report.set_test_examples(data.test.size());
  report.set_seed(spec.seed());
  for (size_t f = 0; f < protocol.label_fractions.size(); ++f) {
    for (const auto& s : subjects) {
      auto* cell = report.add_results();
      cell->set_classifier("linear");
      cell->set_subject(s.name);
      cell->set_label_fraction(protocol.label_fractions[f]);
    }
  }

  RunProgress progress(static_cast<int64_t>(protocol.label_fractions.size()) *
                           protocol.repeats *
                           static_cast<int64_t>(subjects.size()),
                       events);
  for (size_t si = 0; si < subjects.size(); ++si) {
    LoadedSubject& subject = subjects[si];
    const auto extract_start = Clock::now();
    const bool cache = settings.cache && !subject.cache_key.empty();
    const std::string cache_base =
        cache ? (fs::path(run.job_dir) / "features" /
                 absl::StrCat(subject.cache_key.substr(0, 16), "-", shape.size))
                    .string()
              : "";
    SIMCLR_ASSIGN_OR_RETURN(
        const at::Tensor x_pool,
        SubjectFeatures(subject, data.train, data.pool, shape,
                        settings.batch_size, run.device,
                        cache ? cache_base + "-train.pt" : ""));
    SIMCLR_ASSIGN_OR_RETURN(
        const at::Tensor x_test,
        SubjectFeatures(subject, data.test, test_indices, shape,
                        settings.batch_size, run.device,
                        cache ? cache_base + "-test.pt" : ""));
    EmitLog(events, absl::StrFormat(
                    "%s: %d-dimensional features of %d + %d images in %.1f s",
                    subject.name, x_pool.size(1), x_pool.size(0),
                    x_test.size(0),
                    std::chrono::duration<double>(Clock::now() - extract_start)
                        .count()));

    for (size_t f = 0; f < protocol.label_fractions.size(); ++f) {
      const double fraction = protocol.label_fractions[f];
      v1::EvalResult* cell =
          report.mutable_results(static_cast<int>(f * subjects.size() + si));
      for (int r = 0; r < protocol.repeats; ++r) {
        if (run.stop != nullptr && run.stop->load()) {
          return absl::AbortedError("stopped on request");
        }
        const uint64_t seed = RunSeed(spec.seed(), static_cast<int>(f), r);
        SIMCLR_ASSIGN_OR_RETURN(
            const std::vector<int64_t> subset,
            LabelSubset(data.pool, data.train.labels, fraction, seed));
        const at::Tensor rows = torch::tensor(subset, torch::kInt64);
        const at::Tensor x = x_pool.index_select(0, rows);
        const at::Tensor y = y_pool.index_select(0, rows);
        SIMCLR_ASSIGN_OR_RETURN(
            const CrossValidation cv,
            CrossValidateC(x, y, classes, settings.c_grid, settings.folds,
                           seed, settings.cv_solver));
        SIMCLR_ASSIGN_OR_RETURN(
            const LogisticModel model,
            FitLogisticRegression(x, y, classes, cv.best_c, settings.solver,
                                  &cv.warm_start));
        if (!model.converged) {
          EmitLog(events, absl::StrFormat(
                          "%s: L-BFGS stopped at its %d iterations with "
                          "gradient %.2e (tolerance %.0e)",
                          subject.name, settings.solver.max_iterations,
                          model.final_gradient, settings.solver.tolerance));
        }
        SIMCLR_ASSIGN_OR_RETURN(
            const at::Tensor predicted,
            CallTorch("predict", [&] { return model.Predict(x_test); }));
        const double top1 =
            predicted.eq(y_test).to(torch::kFloat64).mean().item<double>();
        cell->add_top1_runs(top1);
        cell->add_chosen_c(cv.best_c);
        cell->set_train_examples(static_cast<int64_t>(subset.size()));
        const at::Tensor p = predicted.contiguous();
        AddToConfusion(truth,
                       std::vector<int64_t>(p.data_ptr<int64_t>(),
                                            p.data_ptr<int64_t>() + p.numel()),
                       data.train.class_names, cell->mutable_confusion());
        progress.RunDone(absl::StrFormat("%s at %g %% of the labels (C = %.3g)",
                                         subject.name, fraction * 100,
                                         cv.best_c),
                         top1);
      }
      SummariseRuns(*cell);
    }
  }
  report.set_seconds(
      std::chrono::duration<double>(Clock::now() - start).count());
  return WriteEvalReport(run.job_dir, report, events);
}

}  // namespace simclr::core
