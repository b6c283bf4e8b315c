#include "core/eval/lockstep_lbfgs.h"

#include "gtest/gtest.h"
#include "torch/torch.h"

namespace simclr::core {
namespace {

// Three classes in 12-D whose features are strongly correlated (a random
// mixing with singular values from 1 to 1e-2): the case L-BFGS without a
// preconditioner crawls through.
struct Data {
  at::Tensor x, y;
};
Data Correlated(int64_t n, uint64_t seed) {
  torch::manual_seed(seed);
  const at::Tensor y = torch::randint(0, 3, {n}, torch::kInt64);
  const at::Tensor centres = torch::randn({3, 12});
  const at::Tensor latent = centres.index_select(0, y) + torch::randn({n, 12});
  auto [q, r] = torch::linalg_qr(torch::randn({12, 12}));
  const at::Tensor mixing =
      q * torch::logspace(0, -2, 12).unsqueeze(0);  // column scales
  at::Tensor x = torch::mm(latent, mixing);
  x = (x - x.mean(0)) / x.std(0);
  return {x, y};
}

LockstepProblems Problems(const Data& data, std::vector<int64_t> begin,
                          std::vector<int64_t> end, double c) {
  LockstepProblems p;
  p.x = data.x;
  p.labels = data.y;
  p.num_classes = 3;
  p.held_begin = std::move(begin);
  p.held_end = std::move(end);
  const int64_t n = data.x.size(0);
  if (p.held_begin.empty()) p.l2.push_back(0.5 / (c * static_cast<double>(n)));
  for (size_t f = 0; f < p.held_begin.size(); ++f) {
    p.l2.push_back(0.5 / (c * static_cast<double>(n - (p.held_end[f] -
                                                        p.held_begin[f]))));
  }
  return p;
}

TEST(LockstepLbfgsTest, FoldsInLockstepEqualSeparateFits) {
  const Data data = Correlated(600, 3);
  LockstepOptions options;
  options.tolerance = 1e-5;
  const LockstepSolution together =
      SolveLockstep(Problems(data, {0, 200, 400}, {200, 400, 600}, 1.0), options);
  for (int64_t f = 0; f < 3; ++f) {
    // The same fold alone: its training rows only, no held-out range.
    const at::Tensor keep = torch::cat(
        {torch::arange(0, 200 * f), torch::arange(200 * (f + 1), 600)});
    const Data rows{data.x.index_select(0, keep), data.y.index_select(0, keep)};
    const LockstepSolution alone =
        SolveLockstep(Problems(rows, {}, {}, 1.0), options);
    EXPECT_LT((together.weight[f] - alone.weight[0]).abs().max().item<double>(),
              1e-3)
        << "fold " << f;
    EXPECT_LT((together.bias[f] - alone.bias[0]).abs().max().item<double>(), 1e-3)
        << "fold " << f;
    EXPECT_LE(together.final_gradient[static_cast<size_t>(f)], 1e-5);
  }
}

TEST(LockstepLbfgsTest, ConvergesOnCorrelatedFeaturesAtWeakAndStrongL2) {
  const Data data = Correlated(2000, 5);
  for (const double c : {1e-4, 1.0, 1e4}) {
    LockstepOptions options;
    options.max_iterations = 200;
    const LockstepSolution s = SolveLockstep(Problems(data, {}, {}, c), options);
    EXPECT_LE(s.final_gradient[0], options.tolerance) << "C = " << c;
    EXPECT_LT(s.evaluations, 300) << "C = " << c;
  }
}

TEST(LockstepLbfgsTest, CarriedHistoryGivesTheSameSolution) {
  const Data data = Correlated(800, 7);
  LockstepOptions options;
  options.tolerance = 1e-5;
  LockstepHistory history;
  const LockstepSolution first =
      SolveLockstep(Problems(data, {}, {}, 0.1), options, {}, {}, &history);
  const LockstepSolution warm = SolveLockstep(
      Problems(data, {}, {}, 10.0), options, first.weight, first.bias, &history);
  const LockstepSolution cold =
      SolveLockstep(Problems(data, {}, {}, 10.0), options);
  // Weak L2 on correlated features leaves a flat optimum: compare relative.
  EXPECT_LT((warm.weight - cold.weight).abs().max().item<double>(),
            1e-3 * cold.weight.abs().max().item<double>());
  EXPECT_LE(warm.final_gradient[0], 1e-5);
  EXPECT_LT(warm.evaluations, cold.evaluations);
}

}  // namespace
}  // namespace simclr::core
