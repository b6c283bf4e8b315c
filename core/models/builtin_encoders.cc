#include "core/models/builtin_encoders.h"

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "core/models/script_layers.h"

namespace simclr::core {
namespace {

int64_t Scaled(int64_t channels, float width) {
  return std::max<int64_t>(1, std::llround(channels * width));
}

// A module whose forward calls `children` in order, then optionally pools.
void DefineSequential(torch::jit::Module& module,
                      const std::vector<std::string>& children,
                      bool global_average_pool) {
  std::string code = "def forward(self, x):\n";
  for (const auto& child : children) {
    absl::StrAppend(&code, "    x = self.", child, ".forward(x)\n");
  }
  absl::StrAppend(&code, global_average_pool
                             ? "    return torch.mean(x, [2, 3])\n"
                             : "    return x\n");
  DefineMethods(module, code);
}

enum class Pool { kNone, kMax2x2, kMax3x3Stride2 };

// conv k×k → BN → ReLU, then an optional max pool: the VGG / small-CNN
// block and the ResNet stem alike.
torch::jit::Module ConvBnRelu(const std::string& type_name, int64_t in,
                              int64_t out, int64_t kernel, int64_t stride,
                              int64_t padding, Pool pool) {
  auto block = NewScriptModule(type_name);
  AddConv(block, "conv", in, out, kernel, /*bias=*/false);
  AddBatchNorm(block, "bn", out);
  std::string code =
      absl::StrCat("def forward(self, x):\n    x = ",
                   ConvExpr("conv", "x", stride, padding, false),
                   "\n    x = torch.relu(", BatchNormExpr("bn", "x"), ")\n");
  if (pool == Pool::kMax2x2) {
    absl::StrAppend(&code,
                    "    x = torch.max_pool2d(x, [2, 2], [2, 2], [0, 0], "
                    "[1, 1], False)\n");
  } else if (pool == Pool::kMax3x3Stride2) {
    absl::StrAppend(&code,
                    "    x = torch.max_pool2d(x, [3, 3], [2, 2], [1, 1], "
                    "[1, 1], False)\n");
  }
  absl::StrAppend(&code, "    return x\n");
  DefineMethods(block, code);
  return block;
}

torch::jit::Module ConvBlock(int64_t in, int64_t out, bool pool) {
  return ConvBnRelu("ConvBlock", in, out, 3, 1, 1,
                    pool ? Pool::kMax2x2 : Pool::kNone);
}

// ImageNet: 7×7 stride 2 and a 3×3 max pool; CIFAR: 3×3 stride 1, no pool.
torch::jit::Module ResNetStem(bool cifar, int64_t in, int64_t out) {
  return cifar
             ? ConvBnRelu("ResNetStem", in, out, 3, 1, 1, Pool::kNone)
             : ConvBnRelu("ResNetStem", in, out, 7, 2, 3, Pool::kMax3x3Stride2);
}

// The shortcut: identity, or conv1×1 + BN when the shape changes.
std::string Shortcut(torch::jit::Module& block, int64_t in, int64_t out,
                     int64_t stride) {
  if (stride == 1 && in == out) return "x";
  AddConv(block, "down", in, out, 1, false);
  AddBatchNorm(block, "down_bn", out);
  return BatchNormExpr("down_bn", ConvExpr("down", "x", stride, 0, false));
}

torch::jit::Module BasicBlock(int64_t in, int64_t out, int64_t stride) {
  auto block = NewScriptModule("BasicBlock");
  AddConv(block, "conv1", in, out, 3, false);
  AddBatchNorm(block, "bn1", out);
  AddConv(block, "conv2", out, out, 3, false);
  AddBatchNorm(block, "bn2", out);
  const std::string shortcut = Shortcut(block, in, out, stride);
  DefineMethods(block, absl::StrCat(
      "def forward(self, x):\n", "    y = torch.relu(",
      BatchNormExpr("bn1", ConvExpr("conv1", "x", stride, 1, false)), ")\n",
      "    y = ", BatchNormExpr("bn2", ConvExpr("conv2", "y", 1, 1, false)),
      "\n", "    return torch.relu(y + ", shortcut, ")\n"));
  return block;
}

torch::jit::Module Bottleneck(int64_t in, int64_t mid, int64_t stride) {
  const int64_t out = mid * 4;
  auto block = NewScriptModule("Bottleneck");
  AddConv(block, "conv1", in, mid, 1, false);
  AddBatchNorm(block, "bn1", mid);
  AddConv(block, "conv2", mid, mid, 3, false);
  AddBatchNorm(block, "bn2", mid);
  AddConv(block, "conv3", mid, out, 1, false);
  AddBatchNorm(block, "bn3", out);
  const std::string shortcut = Shortcut(block, in, out, stride);
  DefineMethods(block, absl::StrCat(
      "def forward(self, x):\n", "    y = torch.relu(",
      BatchNormExpr("bn1", ConvExpr("conv1", "x", 1, 0, false)), ")\n",
      "    y = torch.relu(",
      BatchNormExpr("bn2", ConvExpr("conv2", "y", stride, 1, false)), ")\n",
      "    y = ", BatchNormExpr("bn3", ConvExpr("conv3", "y", 1, 0, false)),
      "\n", "    return torch.relu(y + ", shortcut, ")\n"));
  return block;
}

}  // namespace

BuiltModule BuildSmallCnn(int64_t in_channels, float width,
                          int64_t feature_channels) {
  auto encoder = NewScriptModule("SmallCnn");
  const int64_t channels[] = {32, 64, 128, 128};
  int64_t in = in_channels;
  std::vector<std::string> children;
  for (int i = 0; i < 4; ++i) {
    const int64_t out =
        i == 3 && feature_channels > 0 ? feature_channels : Scaled(channels[i], width);
    const std::string name = absl::StrCat("block", i);
    encoder.register_module(name, ConvBlock(in, out, /*pool=*/i < 3));
    children.push_back(name);
    in = out;
  }
  DefineSequential(encoder, children, true);
  return {encoder, in};
}

BuiltModule BuildResNet(int depth, bool cifar_stem, int64_t in_channels,
                        float width) {
  const bool bottleneck = depth == 50;
  const std::vector<int> blocks =
      depth == 18 ? std::vector<int>{2, 2, 2, 2} : std::vector<int>{3, 4, 6, 3};
  auto encoder = NewScriptModule(absl::StrCat("ResNet", depth));
  int64_t in = Scaled(64, width);
  encoder.register_module("stem", ResNetStem(cifar_stem, in_channels, in));
  std::vector<std::string> children = {"stem"};
  for (int stage = 0; stage < 4; ++stage) {
    const int64_t mid = Scaled(64 << stage, width);
    auto layer = NewScriptModule("ResNetLayer");
    std::vector<std::string> names;
    for (int b = 0; b < blocks[stage]; ++b) {
      const int64_t stride = (stage > 0 && b == 0) ? 2 : 1;
      const std::string name = absl::StrCat("block", b);
      layer.register_module(name, bottleneck ? Bottleneck(in, mid, stride)
                                             : BasicBlock(in, mid, stride));
      in = bottleneck ? mid * 4 : mid;
      names.push_back(name);
    }
    DefineSequential(layer, names, false);
    const std::string name = absl::StrCat("layer", stage + 1);
    encoder.register_module(name, layer);
    children.push_back(name);
  }
  DefineSequential(encoder, children, true);
  return {encoder, in};
}

BuiltModule BuildVgg16Bn(int64_t in_channels, float width, int input_size) {
  const std::vector<std::vector<int64_t>> stages = {
      {64, 64}, {128, 128}, {256, 256, 256}, {512, 512, 512}, {512, 512, 512}};
  auto encoder = NewScriptModule("Vgg16Bn");
  int64_t in = in_channels;
  int size = input_size;
  std::vector<std::string> children;
  for (size_t s = 0; s < stages.size(); ++s) {
    auto stage = NewScriptModule("VggStage");
    std::vector<std::string> names;
    for (size_t c = 0; c < stages[s].size(); ++c) {
      const int64_t out = Scaled(stages[s][c], width);
      const bool last = c + 1 == stages[s].size();
      const bool pool = last && size >= 2;
      const std::string name = absl::StrCat("conv", c);
      stage.register_module(name, ConvBlock(in, out, pool));
      names.push_back(name);
      in = out;
      if (pool) size /= 2;
    }
    DefineSequential(stage, names, false);
    const std::string name = absl::StrCat("stage", s);
    encoder.register_module(name, stage);
    children.push_back(name);
  }
  DefineSequential(encoder, children, true);
  return {encoder, in};
}

}  // namespace simclr::core
