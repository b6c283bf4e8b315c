// Checkpoints load wherever they were written: encoder.pt is saved with
// every tensor on the CPU, and the training state is mapped onto the device
// asked for. The CUDA side (a module on a GPU saved through a CPU copy)
// needs a GPU; here the CPU path is checked, and that a CPU module is saved
// as it is, without a copy.
#include <filesystem>

#include "core/models/projection_head.h"
#include "core/runtime/torch_files.h"
#include "core/train/checkpoint.h"
#include "gtest/gtest.h"
#include "tests/testing/small_cnn_encoder.h"
#include "tests/testing/temp_dir.h"
#include "torch/torch.h"

namespace simclr::core {
namespace {

TEST(CheckpointTest, ACpuModuleIsSavedWithoutACopy) {
  Encoder encoder = testing::SeededSmallCnn(1);
  EXPECT_TRUE(AllOnCpu(encoder.module));
  EXPECT_EQ(ModuleOnCpu(encoder.module)._ivalue(), encoder.module._ivalue());
}

TEST(CheckpointTest, WrittenStateLoadsOntoTheRequestedDevice) {
  testing::TempDir dir;
  Encoder encoder = testing::SeededSmallCnn(2);
  v1::ProjectionHeadConfig head_config;
  ProjectionHead head = *BuildProjectionHead(head_config, encoder.feature_dim);
  std::vector<torch::Tensor> parameters = EncoderParameters(encoder);
  for (const auto& p : head->parameters()) parameters.push_back(p);
  torch::optim::Adam optimizer(parameters, torch::optim::AdamOptions(1e-3));
  // One step, so the optimiser has state to map.
  const at::Tensor views = torch::randn({4, 1, 28, 28});
  head->forward(encoder.module.forward({views}).toTensor()).pow(2).mean().backward();
  optimizer.step();
  TrainingProgress progress;
  progress.step = 1;
  auto folder = WriteCheckpoint(dir.path(), encoder, head, optimizer, progress, {});
  ASSERT_TRUE(folder.ok()) << folder.status();

  Encoder loaded;
  ASSERT_TRUE(LoadEncoderModule(*folder, &loaded).ok());
  for (const auto& p : loaded.module.parameters()) EXPECT_TRUE(p.device().is_cpu());
  ProjectionHead head2 = *BuildProjectionHead(head_config, encoder.feature_dim);
  std::vector<torch::Tensor> parameters2 = EncoderParameters(loaded);
  for (const auto& p : head2->parameters()) parameters2.push_back(p);
  torch::optim::Adam optimizer2(parameters2, torch::optim::AdamOptions(1e-3));
  TrainingProgress restored;
  ASSERT_TRUE(LoadTrainingState(*folder, head2, optimizer2, &restored,
                                c10::Device(c10::kCPU))
                  .ok());
  EXPECT_EQ(restored.step, 1);
  const auto a = head->parameters(), b = head2->parameters();
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) {
    EXPECT_TRUE(b[i].device().is_cpu());
    EXPECT_TRUE(torch::equal(a[i], b[i]));
  }
}

}  // namespace
}  // namespace simclr::core
