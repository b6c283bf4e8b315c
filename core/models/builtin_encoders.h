// The built-in encoder architectures as TorchScript modules (see
// script_layers.h). Each maps an (N, C, H, W) float input to (N, D)
// features by global average pooling after its last block, and exposes its
// blocks as top-level children, in order, for gradual unfreezing.
#ifndef SIMCLR_CORE_MODELS_BUILTIN_ENCODERS_H_
#define SIMCLR_CORE_MODELS_BUILTIN_ENCODERS_H_

#include <cstdint>

#include "torch/script.h"

namespace simclr::core {

struct BuiltModule {
  torch::jit::Module module;
  int64_t feature_dim = 0;
};

// Four conv3×3-BN-ReLU blocks of 32, 64, 128, 128 channels (× width), the
// first three followed by 2×2 max pooling; `feature_channels` > 0 replaces
// the last block's. Children: block0..block3.
BuiltModule BuildSmallCnn(int64_t in_channels, float width,
                          int64_t feature_channels = 0);

// ResNet-18/34 (basic blocks) or -50 (bottlenecks), torchvision layout.
// The CIFAR stem is a 3×3 stride-1 convolution without max pooling.
// Children: stem, layer1..layer4. `depth` must be 18, 34 or 50.
BuiltModule BuildResNet(int depth, bool cifar_stem, int64_t in_channels,
                        float width);

// VGG16 with batch norm, as the ancestor used. 2×2 pooling after each of
// the five stages is skipped once the feature map would fall below 1×1
// (small inputs such as 28×28). Children: stage0..stage4.
BuiltModule BuildVgg16Bn(int64_t in_channels, float width, int input_size);

}  // namespace simclr::core

#endif  // SIMCLR_CORE_MODELS_BUILTIN_ENCODERS_H_
