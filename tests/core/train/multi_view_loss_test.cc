#include "core/train/multi_view_loss.h"

#include <vector>

#include "core/train/nt_xent.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"
#include "torch/torch.h"

namespace simclr::core {
namespace {

using ::simclr::testing::IsOk;
using ::simclr::testing::StatusIs;

// An independent reference, anchor by anchor in double precision: for
// view a of image i, -log(Σ_{b ≠ a} e^{s(ai, bi)/τ} / Σ_{(b, j) ≠ (a, i)}
// e^{s(ai, bj)/τ}), the decoupled one leaving every view of image i out
// of the denominator; the mean over all anchors.
double ReferenceLoss(const torch::Tensor& views, double tau, bool decoupled) {
  const int64_t v = views.size(0), n = views.size(1);
  auto unit = [&](int64_t a, int64_t i) { return views[a][i] / views[a][i].norm(); };
  auto e = [&](int64_t a, int64_t i, int64_t b, int64_t j) {
    return std::exp(unit(a, i).dot(unit(b, j)).item<double>() / tau);
  };
  double total = 0;
  for (int64_t a = 0; a < v; ++a) {
    for (int64_t i = 0; i < n; ++i) {
      double positives = 0, denominator = 0;
      for (int64_t b = 0; b < v; ++b) {
        for (int64_t j = 0; j < n; ++j) {
          if (a == b && i == j) continue;
          if (i == j) positives += e(a, i, b, j);
          if (i != j || !decoupled) denominator += e(a, i, b, j);
        }
      }
      total += -std::log(positives / denominator);
    }
  }
  return total / static_cast<double>(v * n);
}

TEST(MultiViewNtXentLossTest, MatchesReferenceWithSmallCrops) {
  torch::manual_seed(5);
  for (const bool decoupled : {false, true}) {
    for (const double tau : {0.1, 0.5}) {
      const auto views = torch::randn({4, 5, 3}, torch::kDouble);
      auto result = MultiViewNtXentLoss(views, 0, 5, tau, decoupled);
      ASSERT_THAT(result, IsOk());
      EXPECT_NEAR(result->loss.item<double>(), ReferenceLoss(views, tau, decoupled), 1e-10)
          << "tau " << tau << " decoupled " << decoupled;
    }
  }
}

TEST(MultiViewNtXentLossTest, TwoViewsAreNtXentWithItsGradient) {
  torch::manual_seed(6);
  for (const bool decoupled : {false, true}) {
    const auto z1 = torch::randn({7, 4}, torch::kDouble).requires_grad_();
    const auto z2 = torch::randn({7, 4}, torch::kDouble).requires_grad_();
    auto pair = NtXentLoss(z1, z2, 0.2, decoupled);
    auto multi = MultiViewNtXentLoss(torch::stack({z1, z2}), 0, 7, 0.2, decoupled);
    ASSERT_THAT(pair, IsOk());
    ASSERT_THAT(multi, IsOk());
    EXPECT_NEAR(multi->loss.item<double>(), pair->loss.item<double>(), 1e-12);
    EXPECT_DOUBLE_EQ(multi->positive_top1, pair->positive_top1);
    const auto pair_grad = torch::autograd::grad({pair->loss}, {z1, z2});
    const auto multi_grad = torch::autograd::grad({multi->loss}, {z1, z2});
    EXPECT_TRUE(torch::allclose(pair_grad[0], multi_grad[0], 1e-12, 1e-12));
    EXPECT_TRUE(torch::allclose(pair_grad[1], multi_grad[1], 1e-12, 1e-12));
  }
}

TEST(MultiViewNtXentLossTest, AnchorSharesAverageToTheWholeLoss) {
  torch::manual_seed(7);
  const auto views = torch::randn({3, 6, 4}, torch::kDouble);
  auto whole = MultiViewNtXentLoss(views, 0, 6, 0.3);
  auto first = MultiViewNtXentLoss(views, 0, 3, 0.3);
  auto second = MultiViewNtXentLoss(views, 3, 3, 0.3);
  ASSERT_THAT(whole, IsOk());
  ASSERT_THAT(first, IsOk());
  ASSERT_THAT(second, IsOk());
  EXPECT_NEAR((first->loss.item<double>() + second->loss.item<double>()) / 2,
              whole->loss.item<double>(), 1e-12);
}

TEST(MultiViewNtXentLossTest, Top1CountsAnyPositive) {
  // Image 0's three views point one way, image 1's the other: every
  // anchor's nearest other view is one of its positives.
  const auto views = torch::tensor({{{1.0, 0.0}, {0.0, 1.0}},
                                    {{0.9, 0.1}, {0.1, 0.9}},
                                    {{0.8, 0.2}, {0.2, 0.8}}},
                                   torch::kDouble);
  auto result = MultiViewNtXentLoss(views, 0, 2, 0.5);
  ASSERT_THAT(result, IsOk());
  EXPECT_DOUBLE_EQ(result->positive_top1, 1.0);
  // Swapping image 1's last view with image 0's makes those two anchors
  // nearest a negative.
  const auto mixed = views.clone();
  mixed[2][0].copy_(views[2][1]);
  mixed[2][1].copy_(views[2][0]);
  auto worse = MultiViewNtXentLoss(mixed, 0, 2, 0.5);
  ASSERT_THAT(worse, IsOk());
  EXPECT_LT(worse->positive_top1, 1.0);
  EXPECT_GT(worse->loss.item<double>(), result->loss.item<double>());
}

TEST(MultiViewNtXentLossTest, RejectsBadInputs) {
  const auto views = torch::randn({3, 4, 2});
  EXPECT_THAT(MultiViewNtXentLoss(views, 0, 4, 0), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(MultiViewNtXentLoss(torch::randn({1, 4, 2}), 0, 4, 0.5),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(MultiViewNtXentLoss(torch::randn({4, 2}), 0, 4, 0.5),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(MultiViewNtXentLoss(views, 2, 3, 0.5), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(MultiViewNtXentLoss(views, 0, 0, 0.5), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(MultiViewNtXentLoss(torch::randn({3, 1, 2}), 0, 1, 0.5, /*decoupled=*/true),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

}  // namespace
}  // namespace simclr::core
