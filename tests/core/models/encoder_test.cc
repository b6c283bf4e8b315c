#include "core/models/encoder.h"

#include <cstdio>
#include <fstream>
#include <string>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/subprocess.h"
#include "tests/testing/temp_dir.h"
#include "torch/torch.h"

namespace simclr::core {
namespace {

using ::simclr::testing::IsOk;
using ::simclr::testing::RunProcess;
using ::simclr::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

InputShape Shape(int size, int channels) {
  InputShape shape;
  shape.size = size;
  shape.channels = channels;
  shape.mean.assign(channels, 0.5f);
  shape.std.assign(channels, 0.5f);
  return shape;
}

v1::EncoderConfig Builtin(v1::Architecture arch, float width = 1.0f,
                          v1::Stem stem = v1::STEM_UNSPECIFIED) {
  v1::EncoderConfig config;
  config.mutable_builtin()->set_arch(arch);
  config.mutable_builtin()->set_width_multiplier(width);
  config.mutable_builtin()->set_stem(stem);
  return config;
}

torch::Tensor Forward(Encoder& encoder, const torch::Tensor& x) {
  return encoder.module.forward({x}).toTensor();
}

TEST(BuildEncoderTest, SmallCnnMapsImagesToFeatures) {
  torch::manual_seed(0);
  auto encoder =
      BuildEncoder(Builtin(v1::ARCHITECTURE_SMALL_CNN), Shape(28, 1));
  ASSERT_THAT(encoder, IsOk());
  EXPECT_EQ(encoder->feature_dim, 128);
  EXPECT_THAT(encoder->layer_names,
              ElementsAre("block0", "block1", "block2", "block3"));
  const auto out = Forward(*encoder, torch::randn({4, 1, 28, 28}));
  EXPECT_EQ(out.sizes(), (std::vector<int64_t>{4, 128}));
}

TEST(BuildEncoderTest, SmallCnnFeatureChannelsWidenTheLastBlock) {
  torch::manual_seed(0);
  v1::EncoderConfig config = Builtin(v1::ARCHITECTURE_SMALL_CNN, 2.0f);
  config.mutable_builtin()->set_feature_channels(1024);
  auto encoder = BuildEncoder(config, Shape(28, 1));
  ASSERT_THAT(encoder, IsOk());
  EXPECT_EQ(encoder->feature_dim, 1024);
  EXPECT_EQ(encoder->layers[2].attr("conv_weight").toTensor().size(0), 256);
  EXPECT_EQ(Forward(*encoder, torch::randn({2, 1, 28, 28})).sizes(),
            (std::vector<int64_t>{2, 1024}));
  config.mutable_builtin()->set_arch(v1::ARCHITECTURE_RESNET18);
  EXPECT_THAT(BuildEncoder(config, Shape(32, 1)),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("feature_channels")));
}

// The blocks are what the proto says: the output and every gradient equal
// conv → BN → ReLU → pool written out in ATen.
TEST(BuildEncoderTest, SmallCnnEqualsItsBlocksWrittenOut) {
  torch::manual_seed(2);
  auto encoder = BuildEncoder(Builtin(v1::ARCHITECTURE_SMALL_CNN, 0.5f), Shape(28, 1));
  ASSERT_THAT(encoder, IsOk());
  encoder->module.train();
  const torch::Tensor x = torch::randn({6, 1, 28, 28});
  const torch::Tensor ours = Forward(*encoder, x);
  const auto parameters = EncoderParameters(*encoder);
  const auto ours_grad = torch::autograd::grad({ours.pow(2).sum()}, parameters);
  torch::Tensor h = x;
  for (size_t i = 0; i < encoder->layers.size(); ++i) {
    auto& block = encoder->layers[i];
    h = torch::conv2d(h, block.attr("conv_weight").toTensor(), {}, 1, 1);
    h = torch::relu(torch::batch_norm(h, block.attr("bn_weight").toTensor(),
                                      block.attr("bn_bias").toTensor(), {}, {}, true, 0.1,
                                      1e-5, false));
    if (i < 3) h = torch::max_pool2d(h, 2, 2);
  }
  const torch::Tensor theirs = h.mean({2, 3});
  const auto theirs_grad = torch::autograd::grad({theirs.pow(2).sum()}, parameters);
  EXPECT_TRUE(torch::allclose(ours, theirs, 1e-6, 1e-6));
  for (size_t i = 0; i < parameters.size(); ++i) {
    EXPECT_TRUE(torch::allclose(ours_grad[i], theirs_grad[i], 1e-5, 1e-6)) << i;
  }
}

TEST(BuildEncoderTest, EveryArchitectureHasItsFeatureDimension) {
  torch::manual_seed(0);
  struct Case {
    v1::Architecture arch;
    float width;
    v1::Stem stem;
    int size;
    int64_t dim;
  };
  const Case cases[] = {
      {v1::ARCHITECTURE_RESNET18, 0.25f, v1::STEM_CIFAR, 32, 128},
      {v1::ARCHITECTURE_RESNET18, 0.25f, v1::STEM_IMAGENET, 64, 128},
      {v1::ARCHITECTURE_RESNET34, 0.25f, v1::STEM_CIFAR, 16, 128},
      {v1::ARCHITECTURE_RESNET50, 0.25f, v1::STEM_CIFAR, 16, 512},
      {v1::ARCHITECTURE_VGG16_BN, 0.25f, v1::STEM_UNSPECIFIED, 28, 128},
      {v1::ARCHITECTURE_SMALL_CNN, 0.5f, v1::STEM_UNSPECIFIED, 32, 64},
  };
  for (const auto& c : cases) {
    auto encoder =
        BuildEncoder(Builtin(c.arch, c.width, c.stem), Shape(c.size, 3));
    ASSERT_THAT(encoder, IsOk()) << v1::Architecture_Name(c.arch);
    EXPECT_EQ(encoder->feature_dim, c.dim) << v1::Architecture_Name(c.arch);
    const auto out = Forward(*encoder, torch::randn({2, 3, c.size, c.size}));
    EXPECT_EQ(out.sizes(), (std::vector<int64_t>{2, c.dim}))
        << v1::Architecture_Name(c.arch);
  }
  // torchvision's ResNet-18 has 11,689,512 parameters with its 1000-way fc
  // (513,000 of them); without it, 11,176,512.
  auto resnet18 =
      BuildEncoder(Builtin(v1::ARCHITECTURE_RESNET18, 1.0f, v1::STEM_IMAGENET),
                   Shape(64, 3));
  ASSERT_THAT(resnet18, IsOk());
  int64_t parameters = 0;
  for (const auto& p : EncoderParameters(*resnet18)) parameters += p.numel();
  EXPECT_EQ(parameters, 11176512);
}

TEST(BuildEncoderTest, GradientsReachEveryParameterAndBatchNormLearns) {
  torch::manual_seed(1);
  auto encoder =
      BuildEncoder(Builtin(v1::ARCHITECTURE_SMALL_CNN), Shape(28, 1));
  ASSERT_THAT(encoder, IsOk());
  encoder->module.train();
  const auto running_mean_before =
      encoder->layers[0].attr("bn_running_mean").toTensor().clone();
  Forward(*encoder, torch::randn({8, 1, 28, 28}) + 1.0).sum().backward();
  for (const auto& p : EncoderParameters(*encoder)) {
    ASSERT_TRUE(p.grad().defined());
    EXPECT_GT(p.grad().abs().sum().item<float>(), 0);
  }
  EXPECT_FALSE(
      torch::equal(running_mean_before,
                   encoder->layers[0].attr("bn_running_mean").toTensor()));
}

TEST(BuildEncoderTest, BadConfigsNameTheField) {
  EXPECT_THAT(
      BuildEncoder({}, Shape(28, 1)),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("encoder")));
  EXPECT_THAT(BuildEncoder(Builtin(v1::ARCHITECTURE_UNSPECIFIED), Shape(28, 1)),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("encoder.builtin.arch")));
  EXPECT_THAT(
      BuildEncoder(Builtin(v1::ARCHITECTURE_SMALL_CNN, 8.0f), Shape(28, 1)),
      StatusIs(absl::StatusCode::kInvalidArgument,
               HasSubstr("width_multiplier")));
  v1::EncoderConfig missing;
  missing.mutable_torchscript()->set_path("/nonexistent/encoder.pt");
  EXPECT_THAT(BuildEncoder(missing, Shape(28, 1)),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("/nonexistent/encoder.pt")));
  v1::EncoderConfig garbage;
  garbage.mutable_torchscript()->set_module_bytes("not a zip file");
  EXPECT_THAT(
      BuildEncoder(garbage, Shape(28, 1)),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("module_bytes")));
}

TEST(SetTrainableLayersTest, FreezesAllButTheLastK) {
  torch::manual_seed(2);
  auto encoder =
      BuildEncoder(Builtin(v1::ARCHITECTURE_SMALL_CNN), Shape(28, 1));
  ASSERT_THAT(encoder, IsOk());
  auto trainable = [&](int layer) {
    bool any = false;
    for (const auto& p : encoder->layers[layer].parameters())
      any |= p.requires_grad();
    return any;
  };
  encoder->module.train();
  ASSERT_THAT(SetTrainableLayers(*encoder, 1), IsOk());
  EXPECT_FALSE(trainable(0) || trainable(1) || trainable(2));
  EXPECT_TRUE(trainable(3));
  EXPECT_FALSE(encoder->layers[0].is_training());  // frozen BN: inference
  EXPECT_TRUE(encoder->layers[3].is_training());

  encoder->module.train();
  ASSERT_THAT(SetTrainableLayers(*encoder, 0), IsOk());
  EXPECT_FALSE(trainable(3));
  encoder->module.train();
  ASSERT_THAT(SetTrainableLayers(*encoder, -1), IsOk());
  EXPECT_TRUE(trainable(0) && trainable(3));
  EXPECT_THAT(SetTrainableLayers(*encoder, -2),
              StatusIs(absl::StatusCode::kInvalidArgument));
  // More layers than exist: everything trains.
  ASSERT_THAT(SetTrainableLayers(*encoder, 100), IsOk());
  EXPECT_TRUE(trainable(0));
}

// The exported module is plain TorchScript: real PyTorch loads it with no
// project code and computes the same features.
TEST(EncoderExportTest, PythonLoadsItAndGetsTheSameFeatures) {
  torch::manual_seed(3);
  testing::TempDir dir;
  auto encoder =
      BuildEncoder(Builtin(v1::ARCHITECTURE_RESNET18, 0.25f), Shape(32, 3));
  ASSERT_THAT(encoder, IsOk());
  // Train a step's worth of BatchNorm statistics so eval mode is non-trivial.
  encoder->module.train();
  {
    torch::NoGradGuard no_grad;
    Forward(*encoder, torch::randn({8, 3, 32, 32}));
  }
  encoder->module.eval();
  const std::string path = dir.path() + "/encoder.pt";
  encoder->module.save(path);

  // The same deterministic input on both sides.
  const auto x = torch::sin(torch::arange(2 * 3 * 32 * 32, torch::kFloat))
                     .reshape({2, 3, 32, 32});
  torch::Tensor expected;
  {
    torch::NoGradGuard no_grad;
    expected = Forward(*encoder, x);
  }

  const std::string script = absl::StrCat(
      "import torch\n"
      "m = torch.jit.load('",
      path,
      "')\n"
      "m.eval()\n"
      "x = torch.sin(torch.arange(2 * 3 * 32 * 32, dtype=torch.float))"
      ".reshape(2, 3, 32, 32)\n"
      "with torch.no_grad():\n"
      "    y = m(x)\n"
      "print(' '.join(repr(v) for v in y.flatten().tolist()))\n");
  auto python =
      RunProcess({"/usr/bin/python3", "-c", script}, absl::Seconds(60));
  ASSERT_THAT(python, IsOk());
  ASSERT_EQ(python->exit_code, 0) << python->stderr_text;
  std::vector<float> values;
  std::istringstream in(python->stdout_text);
  for (float v; in >> v;) values.push_back(v);
  ASSERT_EQ(values.size(), static_cast<size_t>(expected.numel()));
  const auto actual = torch::tensor(values).reshape(expected.sizes());
  EXPECT_TRUE(torch::allclose(actual, expected, 1e-5, 1e-5))
      << (actual - expected).abs().max().item<float>();
}

// A user's own base model, scripted by real PyTorch, becomes an encoder:
// its (N, D, 1, 1) output is flattened and D found by a dry run.
TEST(UserEncoderTest, PythonScriptedModuleWorksAsBaseModel) {
  testing::TempDir dir;
  const std::string path = dir.path() + "/user.pt";
  const std::string script = absl::StrCat(
      "import torch\n"
      "class Net(torch.nn.Module):\n"
      "    def __init__(self):\n"
      "        super().__init__()\n"
      "        self.features = torch.nn.Sequential(torch.nn.Conv2d(1, 6, 3), "
      "torch.nn.BatchNorm2d(6), torch.nn.ReLU())\n"
      "        self.pool = torch.nn.AdaptiveAvgPool2d(1)\n"
      "        self.expand = torch.nn.Conv2d(6, 10, 1)\n"
      "    def forward(self, x):\n"
      "        return self.expand(self.pool(self.features(x)))\n"
      "torch.jit.script(Net()).save('",
      path, "')\n");
  // torch.jit.script reads the class's source, so it must live in a file.
  const std::string script_path = dir.path() + "/make_user_encoder.py";
  std::ofstream(script_path) << script;
  auto python =
      RunProcess({"/usr/bin/python3", script_path}, absl::Seconds(60));
  ASSERT_THAT(python, IsOk());
  ASSERT_EQ(python->exit_code, 0) << python->stderr_text;

  v1::EncoderConfig config;
  config.mutable_torchscript()->set_path(path);
  auto encoder = BuildEncoder(config, Shape(20, 1));
  ASSERT_THAT(encoder, IsOk());
  EXPECT_EQ(encoder->feature_dim, 10);
  EXPECT_EQ(encoder->arch, v1::ARCHITECTURE_UNSPECIFIED);
  EXPECT_THAT(encoder->layer_names, ElementsAre("features", "pool", "expand"));
  encoder->module.train();
  const auto out = Forward(*encoder, torch::randn({3, 1, 20, 20}));
  EXPECT_EQ(out.sizes(), (std::vector<int64_t>{3, 10}));
  out.sum().backward();
  ASSERT_THAT(SetTrainableLayers(*encoder, 1), IsOk());
  EXPECT_FALSE(
      encoder->layers[0].parameters().begin().operator*().requires_grad());

  // Wrong input channels for this module: a clear error, not a crash.
  EXPECT_THAT(
      BuildEncoder(config, Shape(20, 3)),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("dry run")));
}

}  // namespace
}  // namespace simclr::core
