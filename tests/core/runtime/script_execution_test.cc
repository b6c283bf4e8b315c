#include "core/runtime/script_execution.h"

#include <vector>

#include "core/models/encoder.h"
#include "gtest/gtest.h"
#include "tests/testing/small_cnn_encoder.h"
#include "torch/torch.h"

namespace simclr::core {
namespace {

// Restores the process-wide executor setting for the tests after this one.
class ScriptExecutionTest : public ::testing::Test {
 protected:
  void TearDown() override {
    ConfigureScriptExecution(c10::Device(c10::DeviceType::CUDA));
  }
};

TEST_F(ScriptExecutionTest, CpuRunsEagerAutogradCudaKeepsTheOptimiser) {
  ConfigureScriptExecution(c10::Device(c10::DeviceType::CPU));
  EXPECT_FALSE(ScriptOptimizationEnabled());
  ConfigureScriptExecution(c10::Device(c10::DeviceType::CUDA, 0));
  EXPECT_TRUE(ScriptOptimizationEnabled());
}

// The small CNN's parameter gradients (training mode) on the third of three
// runs: the profiling executor runs its optimised graph from the second.
std::vector<torch::Tensor> Gradients(bool optimise) {
  ConfigureScriptExecution(c10::Device(optimise ? c10::DeviceType::CUDA
                                                : c10::DeviceType::CPU));
  auto encoder = testing::SeededSmallCnn(3);
  const torch::Tensor input = torch::randn({16, 1, 28, 28});
  std::vector<torch::Tensor> grads;
  for (int run = 0; run < 3; ++run) {
    for (auto p : encoder.module.parameters()) p.mutable_grad() = torch::Tensor();
    encoder.module.forward({input}).toTensor().pow(2).sum().backward();
  }
  for (const auto& p : encoder.module.parameters()) {
    grads.push_back(p.grad().clone());
  }
  return grads;
}

TEST_F(ScriptExecutionTest, EagerAutogradGivesTheOptimisersGradients) {
  const auto eager = Gradients(false);
  const auto optimised = Gradients(true);
  ASSERT_EQ(eager.size(), optimised.size());
  ASSERT_FALSE(eager.empty());
  for (size_t i = 0; i < eager.size(); ++i) {
    ASSERT_TRUE(eager[i].defined() && optimised[i].defined()) << i;
    EXPECT_TRUE(torch::allclose(eager[i], optimised[i], 1e-4, 1e-5))
        << "parameter " << i << ": max difference "
        << (eager[i] - optimised[i]).abs().max().item<float>();
  }
}

}  // namespace
}  // namespace simclr::core
