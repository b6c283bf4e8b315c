// Multinomial logistic regression with L2, fitted by L-BFGS, and the choice
// of its regularisation by stratified k-fold cross-validation: the linear
// probe of SimCLR evaluations, as sklearn's LogisticRegressionCV.
//
// The objective is sklearn's, ½‖W‖² + C · Σᵢ CE(xᵢ, yᵢ) with the bias not
// penalised, divided by C · n so the tolerance does not depend on n.
// Features are standardised with the training statistics (optional); the
// fitted model carries them, so Predict takes raw features.
#ifndef SIMCLR_CORE_EVAL_LOGISTIC_REGRESSION_H_
#define SIMCLR_CORE_EVAL_LOGISTIC_REGRESSION_H_

#include <cstdint>
#include <vector>

#include "ATen/core/Tensor.h"
#include "absl/status/statusor.h"

namespace simclr::core {

struct LogisticRegressionOptions {
  int max_iterations = 1000;
  // Largest gradient component at which L-BFGS stops (sklearn's lbfgs
  // gtol, on the same per-example objective).
  double tolerance = 1e-4;
  bool standardize = true;
};

struct LogisticModel {
  at::Tensor weight;  // (D, K), float32
  at::Tensor bias;    // (K)
  at::Tensor mean;    // (D) subtracted before the weights (zeros if not
  at::Tensor scale;   // (D) standardised), then divided by scale
  // Largest gradient component at the end; above the tolerance means the
  // solver ran out of iterations.
  double final_gradient = 0;
  bool converged = false;
  int evaluations = 0;  // of the loss and gradient, line searches included

  // (N, D) features of any float dtype → (N) int64 class indices.
  at::Tensor Predict(const at::Tensor& features) const;
  // (N, D) → the standardised float32 features the weights apply to.
  at::Tensor Standardise(const at::Tensor& features) const;
};

// x: (N, D) features; y: (N) int64 labels in [0, num_classes). `warm`, if
// given, starts the solver from its weights (a path over C).
absl::StatusOr<LogisticModel> FitLogisticRegression(
    const at::Tensor& x, const at::Tensor& y, int64_t num_classes, double c,
    const LogisticRegressionOptions& options,
    const LogisticModel* warm = nullptr);

struct CrossValidation {
  double best_c = 0;
  int best_index = 0;  // into the (sorted) grid
  // Mean validation accuracy over the folds, per value of the grid.
  std::vector<double> mean_accuracy;
  int folds = 0;
  int evaluations = 0;  // of the loss and gradient, over all fits
  // The folds' mean model at best_c, standardised with all of x: a warm
  // start for the final fit on all of x, which has the same statistics.
  LogisticModel warm_start;
};

// Stratified k-fold over (x, y) for each C of `grid`, tried in ascending
// order. The folds are fitted together in lockstep, each warm-started from
// its fit at the previous C, on x standardised once with the statistics of
// all of x (as sklearn's StandardScaler before LogisticRegressionCV, the
// held-out rows' statistics included). The best C is the one
// with the highest mean accuracy, the smallest C on ties. Folds are capped
// by the smallest class (at least 2). INVALID_ARGUMENT on an empty grid, a
// C ≤ 0, fewer than 2 examples, or mismatched shapes.
absl::StatusOr<CrossValidation> CrossValidateC(
    const at::Tensor& x, const at::Tensor& y, int64_t num_classes,
    std::vector<double> grid, int folds, uint64_t seed,
    const LogisticRegressionOptions& options);

// sklearn's default grid: 10 values log-spaced over [1e-4, 1e4].
std::vector<double> DefaultCGrid();

}  // namespace simclr::core

#endif  // SIMCLR_CORE_EVAL_LOGISTIC_REGRESSION_H_
