#include "core/eval/lockstep_lbfgs.h"

#include <algorithm>
#include <tuple>

#include "torch/torch.h"

namespace simclr::core {
namespace {

// The problems' parameters as one (F, P) tensor, P = K·(D + 1): each
// problem's (K, D + 1) matrix of weights with the bias as its last column,
// which a column of ones appended to x multiplies, so the bias costs no
// pass of its own.
class Objective {
 public:
  explicit Objective(const LockstepProblems& p)
      : p_(p),
        f_(static_cast<int64_t>(p.l2.size())),
        k_(p.num_classes),
        d_(p.x.size(1)),
        x_(torch::cat({p.x, torch::ones({p.x.size(0), 1}, torch::kFloat32)}, 1)),
        x_t_(x_.t().contiguous()),
        target_(p.labels.view({1, 1, -1}).expand({f_, 1, p.labels.size(0)})),
        minus_one_(torch::full({1, 1, 1}, -1.0f).expand(target_.sizes())) {
    const int64_t n = p.x.size(0);
    std::vector<double> row_share;
    for (int64_t f = 0; f < f_; ++f) {
      row_share.push_back(1.0 / static_cast<double>(n - HeldRows(f)));
    }
    row_share_ = torch::tensor(row_share, torch::kFloat64);
    l2_ = torch::tensor(p.l2, torch::kFloat64);
    penalised_ = torch::ones({k_, d_ + 1}, torch::kFloat32);
    penalised_.select(1, d_).zero_();
    // Preconditioner: the inverse of an estimate of each problem's Hessian
    // block, xᵀx/n · (1/K) (the softmax curvature at uniform
    // probabilities) plus the L2 term. Without it, correlated features
    // cost L-BFGS most of its iterations at weak regularisation; with the
    // L2 term in it, strong regularisation stays cheap too.
    const at::Tensor moment =
        torch::mm(x_t_, x_).to(torch::kFloat64) / static_cast<double>(n * k_);
    at::Tensor penalty = torch::ones({d_ + 1}, torch::kFloat64);
    penalty[d_] = 0;
    at::Tensor hessian = moment.unsqueeze(0) +
                         torch::diag_embed(2 * l2_.view({f_, 1}) * penalty);
    hessian.diagonal(0, 1, 2).add_(1e-8 * moment.diagonal().mean().item<double>());
    preconditioner_ = torch::linalg_inv(hessian).to(torch::kFloat32);
  }

  // (F, P) → each problem's preconditioner applied to its (K, D + 1) rows.
  at::Tensor Precondition(const at::Tensor& v) const {
    return torch::bmm(v.view({f_, k_, d_ + 1}), preconditioner_)
        .view({f_, -1});
  }

  int64_t size() const { return k_ * (d_ + 1); }
  at::Tensor Weight(const at::Tensor& theta) const {
    return theta.view({-1, k_, d_ + 1}).narrow(2, 0, d_);
  }
  at::Tensor Bias(const at::Tensor& theta) const {
    return theta.view({-1, k_, d_ + 1}).select(2, d_);
  }
  // (P): 1 on the weights, 0 on the biases, which L2 leaves alone.
  at::Tensor PenaltyMask() const { return penalised_.view({-1}); }

  // Loss (S, float64) and gradient (S, P) of the problems `which` (S
  // indices) at their parameters theta (S, P): converged problems and
  // those whose line search is done cost nothing. Logits are laid out
  // (K, N) per problem: the wide product against xᵀ is the fast direction
  // for BLAS, and the matrix products are nearly all of the time.
  std::pair<at::Tensor, at::Tensor> operator()(const at::Tensor& theta,
                                               const at::Tensor& which) const {
    const int64_t s = which.size(0);
    const at::Tensor logits =
        torch::mm(theta.view({s * k_, d_ + 1}), x_t_).view({s, k_, -1});
    // One fused log-softmax; its exp is the softmax, and minus one at the
    // label gives the residual.
    at::Tensor residual = torch::log_softmax(logits, 1);
    at::Tensor picked = residual.gather(1, target_.narrow(0, 0, s));
    residual.exp_().scatter_add_(1, target_.narrow(0, 0, s),
                                 minus_one_.narrow(0, 0, s));
    const at::Tensor which_cpu = which.contiguous();
    const int64_t* index = which_cpu.data_ptr<int64_t>();
    for (int64_t i = 0; i < s; ++i) {  // a problem's held-out rows count 0
      const int64_t held = HeldRows(index[i]);
      if (held == 0) continue;
      const int64_t begin = p_.held_begin[static_cast<size_t>(index[i])];
      picked[i].narrow(1, begin, held).zero_();
      residual[i].narrow(1, begin, held).zero_();
    }
    const at::Tensor share = row_share_.index_select(0, which);
    const at::Tensor l2 = l2_.index_select(0, which);
    const at::Tensor penalised = theta.view({s, k_, d_ + 1}) * penalised_;
    // Summed in float64: near the optimum a step changes the loss by less
    // than a float32 ulp of it, and the line search must still see that.
    const at::Tensor loss =
        -picked.to(torch::kFloat64).sum({1, 2}) * share +
        l2 * penalised.to(torch::kFloat64).pow(2).sum({1, 2});
    const at::Tensor grad =
        torch::mm(residual.view({s * k_, -1}), x_).view({s, k_, d_ + 1}) *
            share.to(torch::kFloat32).view({s, 1, 1}) +
        2 * l2.to(torch::kFloat32).view({s, 1, 1}) * penalised;
    return {loss, grad.view({s, -1})};
  }

 private:
  int64_t HeldRows(int64_t f) const {
    return p_.held_end.empty() ? 0
                               : p_.held_end[static_cast<size_t>(f)] -
                                     p_.held_begin[static_cast<size_t>(f)];
  }

  const LockstepProblems& p_;
  const int64_t f_, k_, d_;
  const at::Tensor x_, x_t_, target_, minus_one_;
  at::Tensor row_share_, l2_, penalised_, preconditioner_;
};

at::Tensor RowDot(const at::Tensor& a, const at::Tensor& b) {
  return (a * b).sum(1);
}

// The L-BFGS memory of every problem: the last m steps s, gradient
// changes y, their 1/sᵀy (0: an empty or skipped slot), and the scale γ.
struct Memory {
  at::Tensor s, y, rho, gamma;
  int m = 1;
  int pushes = 0;
};

// A fresh memory, or the one a previous solve of the same problems at other
// penalties left, with y corrected for the change of l2.
Memory StartMemory(const Objective& objective, const LockstepProblems& problems,
                   const LockstepOptions& options, const at::Tensor& grad,
                   const LockstepHistory* history) {
  const int64_t f = static_cast<int64_t>(problems.l2.size());
  Memory memory;
  memory.m = std::max(1, options.history);
  memory.s = torch::zeros({f, memory.m, objective.size()}, torch::kFloat32);
  memory.y = torch::zeros_like(memory.s);
  memory.rho = torch::zeros({f, memory.m}, torch::kFloat32);
  // The first step is scaled like torch's L-BFGS: min(1, 1/‖g‖₁).
  memory.gamma = (1.0 / grad.abs().sum(1)).clamp_max(1.0);
  if (history == nullptr || history->pushes == 0 || history->s.size(1) != memory.m ||
      history->s.size(0) != f) {
    return memory;
  }
  memory.s = history->s;
  memory.y = history->y;
  memory.pushes = history->pushes;
  const at::Tensor delta = 2 * (torch::tensor(problems.l2, torch::kFloat32) -
                                torch::tensor(history->l2, torch::kFloat32));
  memory.y += delta.view({f, 1, 1}) * memory.s * objective.PenaltyMask();
  const at::Tensor sy = (memory.s * memory.y).sum(2);
  memory.rho = torch::where((history->rho != 0) & (sy > 1e-10), 1.0 / sy, torch::zeros_like(sy));
  const int newest = (memory.pushes - 1) % memory.m;
  const at::Tensor s_new = memory.s.select(1, newest);
  const at::Tensor y_new = memory.y.select(1, newest);
  memory.gamma = torch::where(memory.rho.select(1, newest) > 0,
                              RowDot(s_new, y_new) / RowDot(y_new, objective.Precondition(y_new)),
                              memory.gamma);
  return memory;
}

// The two-loop recursion, all problems at once (empty slots have rho = 0
// and change nothing); steepest descent where that is not downhill.
std::pair<at::Tensor, at::Tensor> SearchDirection(const Memory& memory,
                                                  const Objective& objective,
                                                  const at::Tensor& grad,
                                                  const at::Tensor& active) {
  at::Tensor q = grad.clone();
  const int filled = std::min(memory.pushes, memory.m);
  std::vector<at::Tensor> alpha(static_cast<size_t>(memory.m));
  for (int j = 0; j < filled; ++j) {
    const int slot = (memory.pushes - 1 - j) % memory.m;
    alpha[slot] = memory.rho.select(1, slot) * RowDot(memory.s.select(1, slot), q);
    q -= alpha[slot].unsqueeze(1) * memory.y.select(1, slot);
  }
  at::Tensor r = memory.gamma.unsqueeze(1) * objective.Precondition(q);
  for (int j = filled - 1; j >= 0; --j) {
    const int slot = (memory.pushes - 1 - j) % memory.m;
    const at::Tensor beta = memory.rho.select(1, slot) * RowDot(memory.y.select(1, slot), r);
    r += (alpha[slot] - beta).unsqueeze(1) * memory.s.select(1, slot);
  }
  at::Tensor direction = -r * active.unsqueeze(1);
  at::Tensor slope = RowDot(grad, direction);
  // Not a descent direction (numerical trouble): fall back to steepest.
  const at::Tensor uphill = (slope >= 0) & active;
  if (uphill.any().item<bool>()) {
    direction = torch::where(uphill.unsqueeze(1),
                             -objective.Precondition(grad) * memory.gamma.unsqueeze(1),
                             direction);
    slope = RowDot(grad, direction);
  }
  return {direction, slope};
}

struct Point {
  at::Tensor theta, loss, grad;
};

// Backtracking (Armijo) line search per problem, evaluating only the
// problems still searching. A failed step is cut by quadratic interpolation
// of f(0), f'(0) and f(t), kept within [0.1 t, 0.5 t]. The problems are
// convex, so curvature sᵀy > 0 holds without a Wolfe condition. Returns the
// new point and which problems found no decrease.
std::pair<Point, at::Tensor> LineSearch(const Objective& objective, const Point& here,
                                        const at::Tensor& direction, const at::Tensor& slope,
                                        const at::Tensor& active, int& evaluations) {
  const int64_t f = here.theta.size(0);
  at::Tensor step = torch::ones({f}, torch::kFloat32);
  at::Tensor pending = active.clone();
  Point next{here.theta.clone(), here.loss.clone(), here.grad.clone()};
  for (int trial = 0; trial < 30 && pending.any().item<bool>(); ++trial) {
    const at::Tensor which = pending.nonzero().squeeze(1);
    const at::Tensor t = step.index_select(0, which);
    const at::Tensor candidate =
        here.theta.index_select(0, which) + t.unsqueeze(1) * direction.index_select(0, which);
    auto [trial_loss, trial_grad] = objective(candidate, which);
    ++evaluations;
    const at::Tensor f0 = here.loss.index_select(0, which);
    const at::Tensor d0 = slope.index_select(0, which);
    const at::Tensor accept = trial_loss <= f0 + 1e-4 * t * d0;
    const at::Tensor accepted = which.masked_select(accept);
    next.theta.index_copy_(0, accepted, candidate.index({accept}));
    next.loss.index_copy_(0, accepted, trial_loss.masked_select(accept));
    next.grad.index_copy_(0, accepted, trial_grad.index({accept}));
    pending.index_fill_(0, accepted, false);
    const at::Tensor curvature = trial_loss - f0 - d0 * t;
    const at::Tensor shrunk =
        torch::minimum(torch::maximum(-d0 * t * t / (2 * curvature), 0.1 * t), 0.5 * t);
    step.index_copy_(
        0, which,
        torch::where(accept, t, torch::where(torch::isfinite(shrunk), shrunk, 0.5 * t))
            .to(torch::kFloat32));
  }
  return {next, pending};
}

// Remembers the step s and the gradient change y where the curvature is
// positive.
void Push(Memory& memory, const Objective& objective, const at::Tensor& s,
          const at::Tensor& y, const at::Tensor& active) {
  const at::Tensor sy = RowDot(s, y);
  const at::Tensor curved = active & (sy > 1e-10);
  const int slot = memory.pushes % memory.m;
  memory.s.select(1, slot).copy_(s);
  memory.y.select(1, slot).copy_(y);
  memory.rho.select(1, slot).copy_(torch::where(curved, 1.0 / sy, torch::zeros_like(sy)));
  memory.gamma =
      torch::where(curved, sy / RowDot(y, objective.Precondition(y)), memory.gamma);
  ++memory.pushes;
}

}  // namespace

LockstepSolution SolveLockstep(const LockstepProblems& problems,
                               const LockstepOptions& options,
                               const at::Tensor& warm_weight,
                               const at::Tensor& warm_bias,
                               LockstepHistory* history) {
  torch::NoGradGuard no_grad;
  const Objective objective(problems);
  const int64_t f = static_cast<int64_t>(problems.l2.size());
  const int64_t k = problems.num_classes;
  Point here{torch::zeros({f, objective.size()}, torch::kFloat32)};
  if (warm_weight.defined()) {
    objective.Weight(here.theta).copy_(warm_weight.reshape({f, k, -1}));
    objective.Bias(here.theta).copy_(warm_bias.reshape({f, k}));
  }
  LockstepSolution solution;
  std::tie(here.loss, here.grad) = objective(here.theta, torch::arange(f, torch::kInt64));
  ++solution.evaluations;
  Memory memory = StartMemory(objective, problems, options, here.grad, history);
  at::Tensor active = here.grad.abs().amax(1) > options.tolerance;
  for (int iteration = 0; iteration < options.max_iterations && active.any().item<bool>();
       ++iteration) {
    const auto [direction, slope] = SearchDirection(memory, objective, here.grad, active);
    auto [next, stalled] =
        LineSearch(objective, here, direction, slope, active, solution.evaluations);
    // A problem whose line search found no decrease has stalled.
    active &= ~stalled;
    const at::Tensor s = next.theta - here.theta;
    Push(memory, objective, s, next.grad - here.grad, active);
    here = std::move(next);
    active &= here.grad.abs().amax(1) > options.tolerance;
    active &= s.abs().amax(1) > 1e-12;
  }
  if (history != nullptr) {
    *history = {memory.s, memory.y, memory.rho, memory.gamma, problems.l2, memory.pushes};
  }
  solution.weight = objective.Weight(here.theta).clone();
  solution.bias = objective.Bias(here.theta).clone();
  const at::Tensor largest = here.grad.abs().amax(1).to(torch::kFloat64).contiguous();
  solution.final_gradient.assign(largest.data_ptr<double>(), largest.data_ptr<double>() + f);
  return solution;
}

}  // namespace simclr::core
