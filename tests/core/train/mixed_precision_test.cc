#include "core/train/mixed_precision.h"

#include <limits>

#include "gtest/gtest.h"
#include "torch/torch.h"

namespace simclr::core {
namespace {

torch::Tensor ParameterWithGrad(std::vector<float> grad) {
  torch::Tensor p = torch::zeros({static_cast<int64_t>(grad.size())},
                                 torch::requires_grad());
  p.mutable_grad() = torch::tensor(grad);
  return p;
}

TEST(DynamicLossScalerTest, DisabledPassesThrough) {
  DynamicLossScaler scaler(false);
  const torch::Tensor loss = torch::tensor(2.5);
  EXPECT_EQ(scaler.Scale(loss).item<float>(), 2.5f);
  torch::Tensor p = ParameterWithGrad({8.0f});
  EXPECT_TRUE(scaler.UnscaleAndUpdate({p}));
  EXPECT_EQ(p.grad()[0].item<float>(), 8.0f);
}

TEST(DynamicLossScalerTest, ScalesTheLossAndUnscalesTheGradients) {
  DynamicLossScaler scaler(true);
  scaler.Restore({1024.0, 0, 0});
  // d(scale · 3x)/dx = 3 · scale; unscaled, the true gradient 3.
  torch::Tensor x = torch::ones({2}, torch::requires_grad());
  scaler.Scale((3 * x).sum()).backward();
  EXPECT_FLOAT_EQ(x.grad()[0].item<float>(), 3.0f * 1024);
  ASSERT_TRUE(scaler.UnscaleAndUpdate({x}));
  EXPECT_FLOAT_EQ(x.grad()[0].item<float>(), 3.0f);
  EXPECT_FLOAT_EQ(x.grad()[1].item<float>(), 3.0f);
}

TEST(DynamicLossScalerTest, NonFiniteGradientsSkipTheStepAndHalveTheScale) {
  DynamicLossScaler scaler(true);
  scaler.Restore({1024.0, 5, 0});
  torch::Tensor ok = ParameterWithGrad({1.0f});
  torch::Tensor bad =
      ParameterWithGrad({std::numeric_limits<float>::infinity()});
  EXPECT_FALSE(scaler.UnscaleAndUpdate({ok, bad}));
  EXPECT_EQ(scaler.state().scale, 512.0);
  EXPECT_EQ(scaler.state().good_steps, 0);
  EXPECT_EQ(scaler.state().skipped_steps, 1);
  torch::Tensor nan = ParameterWithGrad({std::nanf("")});
  EXPECT_FALSE(scaler.UnscaleAndUpdate({nan}));
  EXPECT_EQ(scaler.state().scale, 256.0);
}

TEST(DynamicLossScalerTest, GrowsAfterTheIntervalOfFiniteSteps) {
  DynamicLossScaler scaler(true, /*growth_interval=*/3);
  scaler.Restore({8.0, 0, 0});
  for (int i = 0; i < 2; ++i) {
    torch::Tensor p = ParameterWithGrad({1.0f});
    EXPECT_TRUE(scaler.UnscaleAndUpdate({p}));
    EXPECT_EQ(scaler.state().scale, 8.0);
  }
  torch::Tensor p = ParameterWithGrad({1.0f});
  EXPECT_TRUE(scaler.UnscaleAndUpdate({p}));
  EXPECT_EQ(scaler.state().scale, 16.0);
  EXPECT_EQ(scaler.state().good_steps, 0);
}

TEST(AutocastScopeTest, IsInactiveOnCpuAndWhenDisabled) {
  EXPECT_FALSE(AutocastScope(true, torch::Device(torch::kCPU)).active());
  EXPECT_FALSE(AutocastScope(false, torch::Device(torch::kCUDA, 0)).active());
  // On CPU the forward keeps float32.
  const AutocastScope scope(true, torch::Device(torch::kCPU));
  const torch::Tensor y = torch::matmul(torch::ones({2, 2}), torch::ones({2, 2}));
  EXPECT_EQ(y.scalar_type(), torch::kFloat);
}

}  // namespace
}  // namespace simclr::core
