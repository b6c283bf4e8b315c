#include "core/eval/logistic_regression.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/str_cat.h"
#include "core/common/status_macros.h"
#include "core/data/splits.h"
#include "core/eval/lockstep_lbfgs.h"
#include "core/runtime/torch_status.h"
#include "torch/torch.h"

namespace simclr::core {
namespace {

absl::Status CheckShapes(const at::Tensor& x, const at::Tensor& y,
                         int64_t num_classes) {
  if (x.dim() != 2 || y.dim() != 1 || x.size(0) != y.size(0)) {
    return absl::InvalidArgumentError(
        absl::StrCat("logistic regression: features ", x.sizes().vec().size(),
                     "-D and labels must be (N, D) and (N)"));
  }
  if (x.size(0) < 2 || num_classes < 2) {
    return absl::InvalidArgumentError(absl::StrCat(
        "logistic regression: need at least 2 examples and 2 classes, got ",
        x.size(0), " and ", num_classes));
  }
  return absl::OkStatus();
}

// A model with only the standardisation set: the mean and spread of x's
// columns, or the identity.
LogisticModel Standardiser(const at::Tensor& x_in, bool standardize) {
  LogisticModel model;
  const at::Tensor x = x_in.to(torch::kFloat32);
  const int64_t d = x.size(1);
  if (standardize) {
    model.mean = x.mean(0);
    model.scale = (x - model.mean).pow(2).mean(0).sqrt();
    // Constant features stay constant (zero) instead of dividing by 0.
    model.scale.masked_fill_(model.scale < 1e-12, 1.0);
  } else {
    model.mean = torch::zeros({d}, torch::kFloat32);
    model.scale = torch::ones({d}, torch::kFloat32);
  }
  return model;
}

LockstepOptions SolverOptions(const LogisticRegressionOptions& options) {
  LockstepOptions solver;
  solver.max_iterations = options.max_iterations;
  solver.tolerance = options.tolerance;
  return solver;
}

}  // namespace

at::Tensor LogisticModel::Standardise(const at::Tensor& features) const {
  return (features.to(torch::kFloat32) - mean) / scale;
}

at::Tensor LogisticModel::Predict(const at::Tensor& features) const {
  torch::NoGradGuard no_grad;
  return torch::addmm(bias, Standardise(features), weight).argmax(1);
}

std::vector<double> DefaultCGrid() {
  std::vector<double> grid;
  for (int i = 0; i < 10; ++i) grid.push_back(std::pow(10.0, -4 + 8.0 * i / 9));
  return grid;
}

absl::StatusOr<LogisticModel> FitLogisticRegression(
    const at::Tensor& x_in, const at::Tensor& y_in, int64_t num_classes,
    double c, const LogisticRegressionOptions& options,
    const LogisticModel* warm) {
  SIMCLR_RETURN_IF_ERROR(CheckShapes(x_in, y_in, num_classes));
  if (!(c > 0)) {
    return absl::InvalidArgumentError(
        absl::StrCat("logistic regression: C must be > 0, got ", c));
  }
  return CallTorch("logistic regression", [&] {
    torch::NoGradGuard no_grad;
    LogisticModel model = Standardiser(x_in, options.standardize);
    const int64_t n = x_in.size(0);
    LockstepProblems problems;
    problems.x = model.Standardise(x_in);
    problems.labels = y_in.to(torch::kInt64);
    problems.l2 = {0.5 / (c * static_cast<double>(n))};
    problems.num_classes = num_classes;
    at::Tensor warm_weight, warm_bias;
    if (warm != nullptr && warm->weight.defined()) {
      warm_weight = warm->weight.t().unsqueeze(0);
      warm_bias = warm->bias.unsqueeze(0);
    }
    const LockstepSolution solution =
        SolveLockstep(problems, SolverOptions(options), warm_weight, warm_bias);
    model.weight = solution.weight[0].t().contiguous();
    model.bias = solution.bias[0];
    model.final_gradient = solution.final_gradient[0];
    model.converged = model.final_gradient <= options.tolerance * 10;
    model.evaluations = solution.evaluations;
    return model;
  });
}

namespace {

absl::Status CheckGrid(const std::vector<double>& grid) {
  if (grid.empty()) return absl::InvalidArgumentError("logistic regression: empty C grid");
  for (const double c : grid) {
    if (!(c > 0)) {
      return absl::InvalidArgumentError(
          absl::StrCat("logistic regression: C must be > 0, got ", c));
    }
  }
  return absl::OkStatus();
}

struct Folds {
  int count = 0;
  std::vector<int> fold_of;  // per row
};

// Stratified folds: each class's examples, shuffled, dealt round-robin;
// fewer folds than asked when a class has fewer examples (at least 2).
absl::StatusOr<Folds> StratifiedFolds(const at::Tensor& labels, int64_t num_classes,
                                      int folds, uint64_t seed) {
  const int64_t n = labels.size(0);
  const int64_t* label = labels.data_ptr<int64_t>();
  std::vector<std::vector<int64_t>> by_class(static_cast<size_t>(num_classes));
  for (int64_t i = 0; i < n; ++i) {
    if (label[i] < 0 || label[i] >= num_classes) {
      return absl::InvalidArgumentError(absl::StrCat("logistic regression: label ", label[i],
                                                     " at row ", i, " is outside [0, ",
                                                     num_classes, ")"));
    }
    by_class[static_cast<size_t>(label[i])].push_back(i);
  }
  size_t smallest = static_cast<size_t>(n);
  for (const auto& members : by_class) {
    if (!members.empty()) smallest = std::min(smallest, members.size());
  }
  Folds result;
  result.count = static_cast<int>(
      std::max<size_t>(2, std::min<size_t>(static_cast<size_t>(folds), smallest)));
  result.fold_of.resize(static_cast<size_t>(n));
  int64_t dealt = 0;
  for (size_t k = 0; k < by_class.size(); ++k) {
    const std::vector<int64_t> order =
        ShuffledIndices(static_cast<int64_t>(by_class[k].size()), seed + k);
    for (const int64_t o : order) {
      // Continuing the deal across classes keeps folds balanced when a
      // class has fewer members than folds.
      result.fold_of[static_cast<size_t>(by_class[k][static_cast<size_t>(o)])] =
          static_cast<int>(dealt++ % result.count);
    }
  }
  return result;
}

// One problem per fold, its rows sorted by fold so that each fold's
// held-out rows are one contiguous range.
LockstepProblems FoldProblems(const at::Tensor& x, const at::Tensor& labels,
                              const Folds& folds, int64_t num_classes) {
  const int64_t n = labels.size(0);
  std::vector<int64_t> order;
  LockstepProblems problems;
  for (int f = 0; f < folds.count; ++f) {
    problems.held_begin.push_back(static_cast<int64_t>(order.size()));
    for (int64_t i = 0; i < n; ++i) {
      if (folds.fold_of[static_cast<size_t>(i)] == f) order.push_back(i);
    }
    problems.held_end.push_back(static_cast<int64_t>(order.size()));
  }
  const at::Tensor by_fold = torch::tensor(order, torch::kInt64);
  problems.x = x.index_select(0, by_fold);
  problems.labels = labels.index_select(0, by_fold);
  problems.num_classes = num_classes;
  return problems;
}

// Mean over the folds of each fold's model's accuracy on its held-out rows.
double HeldOutAccuracy(const LockstepProblems& problems, const at::Tensor& weight,
                       const at::Tensor& bias) {
  const int folds = static_cast<int>(problems.held_begin.size());
  double accuracy = 0;
  for (int f = 0; f < folds; ++f) {
    const int64_t begin = problems.held_begin[f];
    const int64_t rows = problems.held_end[f] - begin;
    const at::Tensor predicted =
        torch::addmm(bias[f], problems.x.narrow(0, begin, rows), weight[f].t()).argmax(1);
    accuracy += predicted.eq(problems.labels.narrow(0, begin, rows))
                    .to(torch::kFloat64)
                    .mean()
                    .item<double>();
  }
  return accuracy / folds;
}

}  // namespace

absl::StatusOr<CrossValidation> CrossValidateC(
    const at::Tensor& x, const at::Tensor& y, int64_t num_classes,
    std::vector<double> grid, int folds, uint64_t seed,
    const LogisticRegressionOptions& options) {
  SIMCLR_RETURN_IF_ERROR(CheckShapes(x, y, num_classes));
  SIMCLR_RETURN_IF_ERROR(CheckGrid(grid));
  std::sort(grid.begin(), grid.end());
  const at::Tensor labels = y.to(torch::kInt64).contiguous();
  const int64_t n = labels.size(0);
  SIMCLR_ASSIGN_OR_RETURN(const Folds fold_set, StratifiedFolds(labels, num_classes, folds, seed));
  CrossValidation result;
  result.folds = fold_set.count;
  // All folds are fitted together (one lockstep solve per C, warm-started
  // from the previous C with its curvature memory), on features
  // standardised once with the statistics of all of x, as a StandardScaler
  // before LogisticRegressionCV.
  return CallTorch("logistic regression", [&]() -> CrossValidation {
    torch::NoGradGuard no_grad;
    const LogisticModel standardiser = Standardiser(x, options.standardize);
    LockstepProblems problems =
        FoldProblems(standardiser.Standardise(x), labels, fold_set, num_classes);
    result.mean_accuracy.assign(grid.size(), 0.0);
    at::Tensor weight, bias;
    LockstepHistory history;
    for (size_t g = 0; g < grid.size(); ++g) {
      problems.l2.clear();
      for (int f = 0; f < fold_set.count; ++f) {
        const int64_t rows = n - (problems.held_end[f] - problems.held_begin[f]);
        problems.l2.push_back(0.5 / (grid[g] * static_cast<double>(rows)));
      }
      const LockstepSolution solution =
          SolveLockstep(problems, SolverOptions(options), weight, bias, &history);
      result.evaluations += solution.evaluations;
      weight = solution.weight;
      bias = solution.bias;
      result.mean_accuracy[g] = HeldOutAccuracy(problems, weight, bias);
      if (g == 0 || result.mean_accuracy[g] >
                        result.mean_accuracy[static_cast<size_t>(result.best_index)]) {
        result.best_index = static_cast<int>(g);
        result.warm_start = standardiser;
        result.warm_start.weight = weight.mean(0).t().contiguous();
        result.warm_start.bias = bias.mean(0);
      }
    }
    result.best_c = grid[static_cast<size_t>(result.best_index)];
    return result;
  });
}

}  // namespace simclr::core
