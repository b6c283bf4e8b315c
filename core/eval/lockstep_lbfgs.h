// L-BFGS for F independent L2-regularised multinomial logistic regressions
// that share one design matrix (the folds of a cross-validation, or one
// plain fit), run in lockstep: every evaluation computes all F problems in
// two wide matrix products instead of 2F skinny ones, which on CPU is
// where the time goes. Each problem keeps its own history, step size and
// convergence test, so the result is what F separate runs would give.
// The initial inverse Hessian is not γ·I but γ·(xᵀx/(nK) + 2·l2)⁻¹ per
// class row (a preconditioner from the features' second moment), and the
// line search is Armijo backtracking on a float64 loss: on 60k SimCLR
// features this takes the cross-validation from ~100 iterations per C
// (the cap, unconverged) to 20–70 (converged), see bench/.
#ifndef SIMCLR_CORE_EVAL_LOCKSTEP_LBFGS_H_
#define SIMCLR_CORE_EVAL_LOCKSTEP_LBFGS_H_

#include <cstdint>
#include <vector>

#include "ATen/core/Tensor.h"

namespace simclr::core {

// Problem f fits all rows except [held_begin[f], held_end[f]), its fold's
// held-out rows (so sort the rows by fold); empty vectors mean every
// problem uses all rows. The loss is the mean cross-entropy over a
// problem's rows plus l2[f]·‖W‖², l2 = ½ / (C · rows), sklearn's objective
// divided by C · rows.
struct LockstepProblems {
  at::Tensor x;       // (N, D) float32, already standardised
  at::Tensor labels;  // (N) int64 in [0, num_classes)
  std::vector<int64_t> held_begin, held_end;
  std::vector<double> l2;  // one per problem
  int64_t num_classes = 0;
};

struct LockstepSolution {
  at::Tensor weight;  // (F, K, D)
  at::Tensor bias;    // (F, K)
  std::vector<double> final_gradient;  // largest |gradient| per problem
  int evaluations = 0;
};

struct LockstepOptions {
  int max_iterations = 1000;
  double tolerance = 1e-4;  // on the largest gradient component
  int history = 20;
};

// The solver's curvature memory, kept across solves along a path of C.
// Only the L2 term changes between two values of C, and it is quadratic,
// so the remembered gradient differences are corrected exactly
// (y += 2·Δl2·s on the weights) rather than thrown away: each new C then
// starts with a good model of the Hessian and needs far fewer iterations.
struct LockstepHistory {
  at::Tensor s, y;  // (F, m, P)
  at::Tensor rho;   // (F, m); 0 marks an empty or unusable slot
  at::Tensor gamma; // (F) initial inverse-Hessian scale
  std::vector<double> l2;  // the l2 the pairs were measured with
  int pushes = 0;
};

// `warm_weight` (F, K, D) and `warm_bias` (F, K) may be undefined (zeros).
// `history`, if given, seeds the solver and receives its final memory.
LockstepSolution SolveLockstep(const LockstepProblems& problems,
                               const LockstepOptions& options,
                               const at::Tensor& warm_weight = {},
                               const at::Tensor& warm_bias = {},
                               LockstepHistory* history = nullptr);

}  // namespace simclr::core

#endif  // SIMCLR_CORE_EVAL_LOCKSTEP_LBFGS_H_
