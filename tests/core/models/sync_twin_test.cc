#include "core/models/sync_twin.h"

#include "gtest/gtest.h"
#include "tests/testing/small_cnn_encoder.h"
#include "torch/torch.h"

namespace simclr::core {
namespace {

v1::EncoderConfig SmallCnn() {
  v1::EncoderConfig config;
  config.mutable_builtin()->set_arch(v1::ARCHITECTURE_SMALL_CNN);
  return config;
}

InputShape Grey28() {
  InputShape shape;
  shape.size = 28;
  shape.channels = 1;
  shape.mean = {0.5f};
  shape.std = {0.5f};
  return shape;
}

TEST(SyncTwinTest, HoldsTheEncodersOwnTensors) {
  Encoder encoder = testing::SeededSmallCnn(3);
  auto twin = BuildSyncBatchNormTwin(SmallCnn(), Grey28(), encoder);
  ASSERT_TRUE(twin.ok()) << twin.status();
  const auto ours = encoder.module.named_parameters();
  const auto theirs = twin->named_parameters();
  ASSERT_EQ(ours.size(), theirs.size());
  auto it = theirs.begin();
  for (const auto& p : ours) {
    EXPECT_EQ(p.name, (*it).name);
    EXPECT_EQ(p.value.data_ptr(), (*it).value.data_ptr()) << p.name;
    ++it;
  }
  for (const auto& b : encoder.module.named_buffers()) {
    EXPECT_EQ(b.value.data_ptr(), twin->attr(b.name.substr(0, b.name.find('.')))
                                      .toModule()
                                      .attr(b.name.substr(b.name.find('.') + 1))
                                      .toTensor()
                                      .data_ptr())
        << b.name;
  }
}

TEST(SyncTwinTest, WithoutARankGroupItComputesWhatTheEncoderDoes) {
  Encoder encoder = testing::SeededSmallCnn(4);
  auto twin = BuildSyncBatchNormTwin(SmallCnn(), Grey28(), encoder);
  ASSERT_TRUE(twin.ok());
  const at::Tensor x = torch::randn({4, 1, 28, 28});
  encoder.module.eval();
  MirrorTrainingModes(encoder.module, *twin);
  EXPECT_FALSE(twin->is_training());
  EXPECT_TRUE(torch::allclose(encoder.module.forward({x}).toTensor(),
                              twin->forward({x}).toTensor(), 1e-6, 1e-6));
}

TEST(SyncTwinTest, LeavesTheGlobalGeneratorAsItFoundIt) {
  Encoder encoder = testing::SeededSmallCnn(5);
  torch::manual_seed(9);
  ASSERT_TRUE(BuildSyncBatchNormTwin(SmallCnn(), Grey28(), encoder).ok());
  const at::Tensor after_twin = torch::randn({8});
  torch::manual_seed(9);
  EXPECT_TRUE(torch::equal(after_twin, torch::randn({8})));
}

TEST(SyncTwinTest, RefusesATorchScriptEncoder) {
  Encoder encoder = testing::SeededSmallCnn(6);
  v1::EncoderConfig config;
  config.mutable_torchscript()->set_path("/nonexistent.pt");
  auto twin = BuildSyncBatchNormTwin(config, Grey28(), encoder);
  ASSERT_FALSE(twin.ok());
  EXPECT_EQ(twin.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(twin.status().message().find("pretrain.sync_batch_norm"), std::string::npos);
}

}  // namespace
}  // namespace simclr::core
