#include "core/train/lars.h"

#include <sstream>

#include "gtest/gtest.h"
#include "torch/torch.h"

namespace simclr::core {
namespace {

// The LARS update written out with plain tensor ops (see lars.h).
struct Reference {
  torch::Tensor w, v;
  void Step(const torch::Tensor& g, const LarsOptions& o, bool excluded) {
    torch::Tensor update = g;
    double trust = 1.0;
    if (!excluded) {
      update = g + o.weight_decay() * w;
      const double w_norm = w.norm().item<double>();
      const double g_norm = update.norm().item<double>();
      if (w_norm > 0 && g_norm > 0)
        trust = o.trust_coefficient() * w_norm / g_norm;
    }
    v = v.defined() ? o.momentum() * v + o.lr() * trust * update
                    : o.lr() * trust * update;
    w = w - v;
  }
};

TEST(LarsTest, MatchesTheFormulaOverSteps) {
  torch::manual_seed(0);
  auto weight = torch::randn({3, 4}, torch::kDouble).requires_grad_(true);
  auto bias = torch::randn({3}, torch::kDouble).requires_grad_(true);
  LarsOptions options(0.5);
  options.momentum(0.9).weight_decay(0.01).trust_coefficient(0.02);
  Lars lars({weight, bias}, options);
  Reference ref_w{weight.detach().clone(), {}};
  Reference ref_b{bias.detach().clone(), {}};

  for (int step = 0; step < 3; ++step) {
    const auto g_w = torch::randn({3, 4}, torch::kDouble);
    const auto g_b = torch::randn({3}, torch::kDouble);
    weight.mutable_grad() = g_w.clone();
    bias.mutable_grad() = g_b.clone();
    lars.step();
    ref_w.Step(g_w, options, /*excluded=*/false);
    ref_b.Step(g_b, options, /*excluded=*/true);
    ASSERT_TRUE(torch::allclose(weight.detach(), ref_w.w, 1e-12, 1e-14))
        << "step " << step;
    ASSERT_TRUE(torch::allclose(bias.detach(), ref_b.w, 1e-12, 1e-14))
        << "step " << step;
  }
}

TEST(LarsTest, BiasIsNeitherAdaptedNorDecayed) {
  // With zero gradient a decayed, adapted parameter would still move; an
  // excluded one must not.
  auto bias = torch::ones({4}, torch::kDouble).requires_grad_(true);
  auto weight = torch::ones({2, 2}, torch::kDouble).requires_grad_(true);
  Lars lars({bias, weight}, LarsOptions(1.0).weight_decay(0.1));
  bias.mutable_grad() = torch::zeros({4}, torch::kDouble);
  weight.mutable_grad() = torch::zeros({2, 2}, torch::kDouble);
  lars.step();
  EXPECT_TRUE(torch::equal(bias.detach(), torch::ones({4}, torch::kDouble)));
  EXPECT_FALSE(
      torch::equal(weight.detach(), torch::ones({2, 2}, torch::kDouble)));
}

TEST(LarsTest, ZeroWeightFallsBackToTrustOne) {
  auto weight = torch::zeros({2, 2}, torch::kDouble).requires_grad_(true);
  Lars lars({weight}, LarsOptions(0.1).weight_decay(0));
  weight.mutable_grad() = torch::ones({2, 2}, torch::kDouble);
  lars.step();
  EXPECT_TRUE(torch::allclose(weight.detach(),
                              torch::full({2, 2}, -0.1, torch::kDouble)));
}

TEST(LarsTest, StateSurvivesSaveAndLoad) {
  torch::manual_seed(1);
  auto a = torch::randn({3, 3}).requires_grad_(true);
  auto b = a.detach().clone().requires_grad_(true);
  Lars first({a}, LarsOptions(0.2));
  a.mutable_grad() = torch::randn({3, 3});
  first.step();

  std::stringstream buffer;
  torch::save(first, buffer);
  b.detach().copy_(a.detach());
  Lars second({b}, LarsOptions(0.2));
  torch::load(second, buffer);

  const auto g = torch::randn({3, 3});
  a.mutable_grad() = g.clone();
  b.mutable_grad() = g.clone();
  first.step();
  second.step();  // uses the restored momentum buffer
  EXPECT_TRUE(torch::allclose(a.detach(), b.detach()));
}

}  // namespace
}  // namespace simclr::core
