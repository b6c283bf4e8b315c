#include "core/train/nt_xent.h"

#include <cmath>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"
#include "torch/torch.h"

namespace simclr::core {
namespace {

using ::simclr::testing::IsOk;
using ::simclr::testing::StatusIs;

// An independent reference: the loss written out anchor by anchor in
// double precision, as in the paper,
//   l(i, j) = -log exp(s_ij / τ) / Σ_{k ≠ i} exp(s_ik / τ),
//   L = 1/(2N) Σ_k [l(2k-1, 2k) + l(2k, 2k-1)],
// with views ordered (a_0, b_0, a_1, b_1, …) rather than our [z1; z2], so
// that an indexing slip in either would show.
// decoupled: DCL, whose denominator also leaves out the positive j.
torch::Tensor ReferenceLoss(const torch::Tensor& z1, const torch::Tensor& z2,
                            double tau, bool decoupled = false) {
  const int64_t n = z1.size(0);
  std::vector<torch::Tensor> views;
  for (int64_t k = 0; k < n; ++k) {
    views.push_back(z1[k] / z1[k].norm());
    views.push_back(z2[k] / z2[k].norm());
  }
  auto l = [&](int64_t i, int64_t j) {
    torch::Tensor denominator = torch::zeros({}, torch::kDouble);
    for (int64_t k = 0; k < 2 * n; ++k) {
      if (k != i && !(decoupled && k == j))
        denominator = denominator + torch::exp(views[i].dot(views[k]) / tau);
    }
    return -torch::log(torch::exp(views[i].dot(views[j]) / tau) / denominator);
  };
  torch::Tensor total = torch::zeros({}, torch::kDouble);
  for (int64_t k = 0; k < n; ++k)
    total = total + l(2 * k, 2 * k + 1) + l(2 * k + 1, 2 * k);
  return total / (2.0 * n);
}

TEST(NtXentLossTest, MatchesReferenceOnFixedInputs) {
  torch::manual_seed(0);
  for (const double tau : {0.1, 0.5, 1.0}) {
    const auto z1 = torch::randn({6, 5}, torch::kDouble);
    const auto z2 = torch::randn({6, 5}, torch::kDouble);
    auto result = NtXentLoss(z1, z2, tau);
    ASSERT_THAT(result, IsOk());
    EXPECT_NEAR(result->loss.item<double>(),
                ReferenceLoss(z1, z2, tau).item<double>(), 1e-10)
        << "tau " << tau;
  }
}

TEST(NtXentLossTest, DecoupledMatchesReference) {
  torch::manual_seed(3);
  for (const double tau : {0.1, 0.5}) {
    auto z1 = torch::randn({6, 5}, torch::kDouble).requires_grad_(true);
    auto z2 = torch::randn({6, 5}, torch::kDouble).requires_grad_(true);
    auto result = NtXentLoss(z1, z2, tau, /*decoupled=*/true);
    ASSERT_THAT(result, IsOk());
    const torch::Tensor reference = ReferenceLoss(z1, z2, tau, true);
    EXPECT_NEAR(result->loss.item<double>(), reference.item<double>(), 1e-10);
    // Not NT-Xent: the positive's term is gone from the denominator.
    EXPECT_LT(result->loss.item<double>(), ReferenceLoss(z1, z2, tau).item<double>() - 1e-3);
    const auto ours = torch::autograd::grad({result->loss}, {z1, z2});
    const auto theirs = torch::autograd::grad({reference}, {z1, z2});
    EXPECT_TRUE(torch::allclose(ours[0], theirs[0], 1e-8, 1e-10));
    EXPECT_TRUE(torch::allclose(ours[1], theirs[1], 1e-8, 1e-10));
  }
}

TEST(NtXentLossTest, DecoupledRefusesALoneImage) {
  const auto z = torch::randn({1, 3});
  EXPECT_THAT(NtXentLoss(z, z + 1, 0.5, true),
              StatusIs(absl::StatusCode::kInvalidArgument, ::testing::HasSubstr("2 images")));
  EXPECT_THAT(NtXentLoss(z, z + 1, 0.5, false), IsOk());
}

TEST(NtXentLossTest, DecoupledShardsAddUpToTheWholeLoss) {
  torch::manual_seed(4);
  const auto z1 = torch::randn({8, 3}, torch::kDouble);
  const auto z2 = torch::randn({8, 3}, torch::kDouble);
  auto whole = NtXentLoss(z1, z2, 0.2, true);
  auto first = NtXentLossForAnchors(z1, z2, 0, 4, 0.2, true);
  auto second = NtXentLossForAnchors(z1, z2, 4, 4, 0.2, true);
  ASSERT_THAT(whole, IsOk());
  ASSERT_THAT(first, IsOk());
  ASSERT_THAT(second, IsOk());
  EXPECT_NEAR((first->loss.item<double>() + second->loss.item<double>()) / 2,
              whole->loss.item<double>(), 1e-12);
}

TEST(NtXentLossTest, GradientsMatchReference) {
  torch::manual_seed(1);
  auto z1 = torch::randn({5, 4}, torch::kDouble).requires_grad_(true);
  auto z2 = torch::randn({5, 4}, torch::kDouble).requires_grad_(true);
  auto result = NtXentLoss(z1, z2, 0.3);
  ASSERT_THAT(result, IsOk());
  const auto grads = torch::autograd::grad({result->loss}, {z1, z2});

  auto r1 = z1.detach().clone().requires_grad_(true);
  auto r2 = z2.detach().clone().requires_grad_(true);
  const auto reference =
      torch::autograd::grad({ReferenceLoss(r1, r2, 0.3)}, {r1, r2});
  EXPECT_TRUE(torch::allclose(grads[0], reference[0], 1e-9, 1e-12));
  EXPECT_TRUE(torch::allclose(grads[1], reference[1], 1e-9, 1e-12));
}

TEST(NtXentLossTest, MatchesPinnedPythonValue) {
  // z1 = I(4), z2 = z1 rolled down one row, τ = 0.5. Each anchor's positive
  // has similarity 0; of its 6 negatives one has similarity 1, the rest 0,
  // so every anchor's loss is log(6 + e^2). /usr/bin/python3 with torch
  // 1.13 (F.normalize, matmul, fill_diagonal_(-inf), F.cross_entropy)
  // printed 2.5944376642333187 for it.
  const auto eye = torch::eye(4, torch::kDouble);
  auto result = NtXentLoss(eye, torch::roll(eye, 1, 0), 0.5);
  ASSERT_THAT(result, IsOk());
  EXPECT_NEAR(result->loss.item<double>(), 2.5944376642333187, 1e-12);
  EXPECT_NEAR(result->loss.item<double>(), std::log(6 + std::exp(2.0)), 1e-12);
}

TEST(NtXentLossTest, PositivePairTop1) {
  torch::manual_seed(2);
  const auto z = torch::randn({32, 16});
  // Identical views: every positive is the nearest (similarity 1).
  auto same = NtXentLoss(z, z, 0.5);
  ASSERT_THAT(same, IsOk());
  EXPECT_DOUBLE_EQ(same->positive_top1, 1.0);
  // Unrelated views: near chance, 1 / 63.
  auto random = NtXentLoss(z, torch::randn({32, 16}), 0.5);
  ASSERT_THAT(random, IsOk());
  EXPECT_LT(random->positive_top1, 0.2);
  EXPECT_LT(same->loss.item<float>(), random->loss.item<float>());
}

TEST(NtXentLossTest, LossOfAlignedOrthogonalPairsApproachesZero) {
  // N orthogonal directions, both views equal, tiny τ: the positive wins
  // by a margin of 1/τ against every negative.
  const auto eye = torch::eye(8);
  auto result = NtXentLoss(eye, eye, 0.05);
  ASSERT_THAT(result, IsOk());
  EXPECT_LT(result->loss.item<float>(), 1e-6);
}

TEST(NtXentLossTest, RejectsBadInputs) {
  const auto z = torch::randn({4, 3});
  EXPECT_THAT(NtXentLoss(z, z, 0.0),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(NtXentLoss(z, z, -1.0),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(NtXentLoss(z, torch::randn({4, 2}), 0.5),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(NtXentLoss(torch::randn({4}), torch::randn({4}), 0.5),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

}  // namespace
}  // namespace simclr::core
