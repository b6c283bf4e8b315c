#include "core/eval/logistic_regression.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/str_cat.h"
#include "core/common/status_macros.h"
#include "core/data/splits.h"
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

}  // namespace

at::Tensor LogisticModel::Predict(const at::Tensor& features) const {
  torch::NoGradGuard no_grad;
  const at::Tensor x = (features.to(torch::kFloat32) - mean) / scale;
  return torch::addmm(bias, x, weight).argmax(1);
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
    LogisticModel model;
    at::Tensor x = x_in.to(torch::kFloat32);
    const at::Tensor y = y_in.to(torch::kInt64);
    const int64_t n = x.size(0), d = x.size(1);
    if (options.standardize) {
      model.mean = x.mean(0);
      model.scale = (x - model.mean).pow(2).mean(0).sqrt();
      // Constant features stay constant (zero) instead of dividing by 0.
      model.scale.masked_fill_(model.scale < 1e-12, 1.0);
    } else {
      model.mean = torch::zeros({d}, torch::kFloat32);
      model.scale = torch::ones({d}, torch::kFloat32);
    }
    x = (x - model.mean) / model.scale;
    at::Tensor w, b;
    if (warm != nullptr && warm->weight.defined()) {
      w = warm->weight.detach().clone().requires_grad_(true);
      b = warm->bias.detach().clone().requires_grad_(true);
    } else {
      w = torch::zeros({d, num_classes}, torch::kFloat32).requires_grad_(true);
      b = torch::zeros({num_classes}, torch::kFloat32).requires_grad_(true);
    }
    const double l2 = 0.5 / (c * static_cast<double>(n));
    torch::optim::LBFGS solver(
        {w, b}, torch::optim::LBFGSOptions(1.0)
                    .max_iter(options.max_iterations)
                    .max_eval(options.max_iterations * 5 / 4 + 1)
                    .tolerance_grad(options.tolerance)
                    .tolerance_change(1e-12)
                    .history_size(20)
                    .line_search_fn("strong_wolfe"));
    auto objective = [&] {
      solver.zero_grad();
      at::Tensor loss = torch::nn::functional::cross_entropy(torch::addmm(b, x, w), y) +
                        l2 * w.pow(2).sum();
      loss.backward();
      return loss;
    };
    solver.step(objective);
    objective();
    model.final_gradient = std::max(w.grad().abs().max().item<double>(),
                                    b.grad().abs().max().item<double>());
    model.converged = model.final_gradient <= options.tolerance * 10;
    model.weight = w.detach();
    model.bias = b.detach();
    return model;
  });
}

absl::StatusOr<CrossValidation> CrossValidateC(
    const at::Tensor& x, const at::Tensor& y, int64_t num_classes,
    std::vector<double> grid, int folds, uint64_t seed,
    const LogisticRegressionOptions& options) {
  SIMCLR_RETURN_IF_ERROR(CheckShapes(x, y, num_classes));
  if (grid.empty()) {
    return absl::InvalidArgumentError("logistic regression: empty C grid");
  }
  for (const double c : grid) {
    if (!(c > 0)) {
      return absl::InvalidArgumentError(
          absl::StrCat("logistic regression: C must be > 0, got ", c));
    }
  }
  std::sort(grid.begin(), grid.end());
  const at::Tensor labels = y.to(torch::kInt64).contiguous();
  const int64_t n = labels.size(0);
  const int64_t* label = labels.data_ptr<int64_t>();

  // Stratified folds: each class's examples, shuffled, dealt round-robin.
  std::vector<std::vector<int64_t>> by_class(static_cast<size_t>(num_classes));
  for (int64_t i = 0; i < n; ++i) {
    if (label[i] < 0 || label[i] >= num_classes) {
      return absl::InvalidArgumentError(
          absl::StrCat("logistic regression: label ", label[i], " at row ", i,
                       " is outside [0, ", num_classes, ")"));
    }
    by_class[static_cast<size_t>(label[i])].push_back(i);
  }
  size_t smallest = static_cast<size_t>(n);
  for (const auto& members : by_class) {
    if (!members.empty()) smallest = std::min(smallest, members.size());
  }
  CrossValidation result;
  result.folds = static_cast<int>(
      std::max<size_t>(2, std::min<size_t>(static_cast<size_t>(folds), smallest)));
  std::vector<int> fold_of(static_cast<size_t>(n));
  int64_t dealt = 0;
  for (size_t k = 0; k < by_class.size(); ++k) {
    const std::vector<int64_t> order =
        ShuffledIndices(static_cast<int64_t>(by_class[k].size()), seed + k);
    for (const int64_t o : order) {
      // Continuing the deal across classes keeps folds balanced when a
      // class has fewer members than folds.
      fold_of[static_cast<size_t>(by_class[k][static_cast<size_t>(o)])] =
          static_cast<int>(dealt++ % result.folds);
    }
  }

  result.mean_accuracy.assign(grid.size(), 0.0);
  for (int f = 0; f < result.folds; ++f) {
    std::vector<int64_t> train, held;
    for (int64_t i = 0; i < n; ++i) {
      (fold_of[static_cast<size_t>(i)] == f ? held : train).push_back(i);
    }
    if (train.size() < 2 || held.empty()) continue;
    const at::Tensor train_idx = torch::tensor(train, torch::kInt64);
    const at::Tensor held_idx = torch::tensor(held, torch::kInt64);
    const at::Tensor x_train = x.index_select(0, train_idx);
    const at::Tensor y_train = labels.index_select(0, train_idx);
    const at::Tensor x_held = x.index_select(0, held_idx);
    const at::Tensor y_held = labels.index_select(0, held_idx);
    LogisticModel previous;
    for (size_t g = 0; g < grid.size(); ++g) {
      SIMCLR_ASSIGN_OR_RETURN(
          LogisticModel model,
          FitLogisticRegression(x_train, y_train, num_classes, grid[g],
                                options, &previous));
      const double accuracy =
          model.Predict(x_held).eq(y_held).to(torch::kFloat64).mean()
              .item<double>();
      result.mean_accuracy[g] += accuracy / result.folds;
      previous = std::move(model);
    }
  }
  const auto best =
      std::max_element(result.mean_accuracy.begin(), result.mean_accuracy.end());
  result.best_c = grid[static_cast<size_t>(best - result.mean_accuracy.begin())];
  return result;
}

}  // namespace simclr::core
