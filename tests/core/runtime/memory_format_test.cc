#include "core/runtime/memory_format.h"

#include <vector>

#include "core/models/encoder.h"
#include "core/runtime/script_execution.h"
#include "gtest/gtest.h"
#include "tests/testing/small_cnn_encoder.h"
#include "torch/torch.h"

namespace simclr::core {
namespace {

using testing::SeededSmallCnn;

TEST(MemoryFormatTest, ChannelsLastOnCpuAndTheDefaultElsewhere) {
  EXPECT_EQ(ConvMemoryFormat(c10::Device(c10::DeviceType::CPU)),
            c10::MemoryFormat::ChannelsLast);
  EXPECT_EQ(ConvMemoryFormat(c10::Device(c10::DeviceType::CUDA, 0)),
            c10::MemoryFormat::Contiguous);
}

TEST(MemoryFormatTest, ReLaysConvWeightsInPlaceAndKeepsTheirValues) {
  Encoder encoder = SeededSmallCnn(5);
  // Handles taken before, as an optimiser built earlier would hold them.
  std::vector<torch::Tensor> held;
  std::vector<torch::Tensor> before;
  for (const auto& p : encoder.module.parameters()) {
    held.push_back(p);
    before.push_back(p.detach().clone());
  }
  ToMemoryFormat(encoder.module, c10::MemoryFormat::ChannelsLast);
  int four_d = 0;
  for (size_t i = 0; i < held.size(); ++i) {
    EXPECT_TRUE(torch::equal(held[i], before[i])) << "parameter " << i;
    EXPECT_TRUE(held[i].requires_grad()) << "parameter " << i;
    if (held[i].dim() == 4) {
      ++four_d;
      EXPECT_TRUE(held[i].is_contiguous(c10::MemoryFormat::ChannelsLast))
          << "parameter " << i;
      // Even the first convolution's, whose one input channel makes it
      // contiguous in both layouts: its strides must say channels-last.
      EXPECT_EQ(held[i].suggest_memory_format(), c10::MemoryFormat::ChannelsLast)
          << "parameter " << i;
    }
  }
  EXPECT_EQ(four_d, 4);  // the small CNN's four convolutions
}

// oneDNN picks its layout from the weight's strides: on a one-channel
// input the first block's output is channels-last, as every later one is.
TEST(MemoryFormatTest, AOneChannelInputRunsTheFirstBlockInChannelsLast) {
  Encoder encoder = SeededSmallCnn(5);
  ToMemoryFormat(encoder.module, c10::MemoryFormat::ChannelsLast);
  torch::NoGradGuard no_grad;
  const torch::Tensor input = torch::randn({4, 1, 28, 28});
  const torch::Tensor first =
      encoder.module.attr("block0").toModule().forward({input}).toTensor();
  EXPECT_EQ(first.suggest_memory_format(), c10::MemoryFormat::ChannelsLast);
  EXPECT_FALSE(first.is_contiguous());
}

// Forward and backward in channels-last agree with NCHW, and gradients
// reach the re-laid parameters. The input is seeded: for about 1 input in
// 20, two values of a max-pool window lie within float32 rounding of each
// other, and the two layouts (like float32 and float64) route that
// window's gradient to different elements, which moves the whole gradient
// by ~1 % through BatchNorm. Otherwise they agree to ~3e-5.
TEST(MemoryFormatTest, TrainingInChannelsLastGivesTheSameGradients) {
  ConfigureScriptExecution(c10::Device(c10::DeviceType::CPU));
  torch::manual_seed(11);
  const torch::Tensor input = torch::randn({16, 1, 28, 28});
  std::vector<std::vector<torch::Tensor>> grads;
  std::vector<torch::Tensor> outputs;
  for (auto format :
       {c10::MemoryFormat::Contiguous, c10::MemoryFormat::ChannelsLast}) {
    Encoder encoder = SeededSmallCnn(7);
    ToMemoryFormat(encoder.module, format);
    const torch::Tensor out = encoder.module.forward({input}).toTensor();
    out.pow(2).sum().backward();
    outputs.push_back(out.detach());
    grads.emplace_back();
    for (const auto& p : encoder.module.parameters()) {
      ASSERT_TRUE(p.grad().defined());
      grads.back().push_back(p.grad().clone());
    }
  }
  EXPECT_TRUE(torch::allclose(outputs[0], outputs[1], 1e-4, 1e-5));
  ASSERT_EQ(grads[0].size(), grads[1].size());
  for (size_t i = 0; i < grads[0].size(); ++i) {
    const double relative = ((grads[0][i] - grads[1][i]).norm() /
                             grads[0][i].norm()).item<double>();
    EXPECT_LT(relative, 1e-3) << "parameter " << i;
  }
}

}  // namespace
}  // namespace simclr::core
