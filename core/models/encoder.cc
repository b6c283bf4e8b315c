#include "core/models/encoder.h"

#include <sstream>
#include <utility>

#include "absl/strings/str_cat.h"
#include "core/common/status_macros.h"
#include "core/models/builtin_encoders.h"
#include "core/models/script_layers.h"
#include "core/runtime/torch_status.h"
#include "torch/torch.h"

namespace simclr::core {
namespace {

void CollectChildren(const torch::jit::Module& parent, Encoder* encoder) {
  for (const auto& child : parent.named_children()) {
    encoder->layers.push_back(child.value);
    encoder->layer_names.push_back(child.name);
  }
}

absl::StatusOr<Encoder> BuildBuiltin(const v1::BuiltinEncoder& config,
                                     const InputShape& input) {
  const float width =
      config.has_width_multiplier() ? config.width_multiplier() : 1.0f;
  if (!(width >= 0.25f && width <= 4.0f)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "encoder.builtin.width_multiplier: ", width, " is outside [0.25, 4]"));
  }
  if (config.has_feature_channels() &&
      (config.arch() != v1::ARCHITECTURE_SMALL_CNN || config.feature_channels() < 8 ||
       config.feature_channels() > 4096)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "encoder.builtin.feature_channels: ", config.feature_channels(),
        " must be in [8, 4096], and only with ARCHITECTURE_SMALL_CNN"));
  }
  const bool cifar_stem =
      config.stem() == v1::STEM_CIFAR ||
      (config.stem() == v1::STEM_UNSPECIFIED && input.size < 96);
  BuiltModule built;
  switch (config.arch()) {
    case v1::ARCHITECTURE_SMALL_CNN:
      built = BuildSmallCnn(input.channels, width, config.feature_channels());
      break;
    case v1::ARCHITECTURE_RESNET18:
      built = BuildResNet(18, cifar_stem, input.channels, width);
      break;
    case v1::ARCHITECTURE_RESNET34:
      built = BuildResNet(34, cifar_stem, input.channels, width);
      break;
    case v1::ARCHITECTURE_RESNET50:
      built = BuildResNet(50, cifar_stem, input.channels, width);
      break;
    case v1::ARCHITECTURE_VGG16_BN:
      built = BuildVgg16Bn(input.channels, width, input.size);
      break;
    default:
      return absl::InvalidArgumentError(absl::StrCat(
          "encoder.builtin.arch: ", v1::Architecture_Name(config.arch()),
          " is not a built-in architecture"));
  }
  Encoder encoder;
  encoder.module = built.module;
  encoder.feature_dim = built.feature_dim;
  encoder.arch = config.arch();
  CollectChildren(encoder.module, &encoder);
  return encoder;
}

absl::StatusOr<Encoder> WrapUserModule(torch::jit::Module base,
                                       const std::string& source,
                                       const InputShape& input) {
  auto wrapper = NewScriptModule("UserEncoder");
  Encoder encoder;
  SIMCLR_RETURN_IF_ERROR(CallTorch(source, [&] {
    wrapper.register_module("base", base);
    wrapper.define(
        "def forward(self, x):\n"
        "    return torch.flatten(self.base.forward(x), 1)\n");
  }));
  // Dry run in eval mode (BatchNorm with a batch of 2 would be fine in
  // training mode too, but must not update running statistics).
  auto features = CallTorch(source, [&] {
    torch::NoGradGuard no_grad;
    wrapper.eval();
    at::Tensor out =
        wrapper
            .forward(
                {torch::zeros({2, input.channels, input.size, input.size})})
            .toTensor();
    wrapper.train();
    return out;
  });
  if (!features.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(
        source, ": dry run on a (2, ", input.channels, ", ", input.size, ", ",
        input.size, ") input failed: ", features.status().message()));
  }
  if (features->dim() != 2 || features->size(0) != 2 || features->size(1) < 1) {
    return absl::InvalidArgumentError(absl::StrCat(
        source,
        ": forward must return (N, D) or (N, D, 1, 1); flattened it "
        "gave ",
        c10::str(features->sizes())));
  }
  encoder.module = wrapper;
  encoder.feature_dim = features->size(1);
  CollectChildren(base, &encoder);
  return encoder;
}

absl::StatusOr<Encoder> LoadUserEncoder(const v1::TorchScriptEncoder& config,
                                        const InputShape& input) {
  if (config.module_case() == v1::TorchScriptEncoder::kPath) {
    const std::string source = "encoder.torchscript.path " + config.path();
    auto module =
        CallTorch(source, [&] { return torch::jit::load(config.path(), torch::Device(torch::kCPU)); });
    if (!module.ok()) {
      return absl::InvalidArgumentError(absl::StrCat(
          source,
          ": not a loadable TorchScript module: ", module.status().message()));
    }
    return WrapUserModule(*std::move(module), source, input);
  }
  if (config.module_case() == v1::TorchScriptEncoder::kModuleBytes) {
    const std::string source = "encoder.torchscript.module_bytes";
    auto module = CallTorch(source, [&] {
      std::istringstream stream(config.module_bytes());
      return torch::jit::load(stream, torch::Device(torch::kCPU));
    });
    if (!module.ok()) {
      return absl::InvalidArgumentError(absl::StrCat(
          source,
          ": not a loadable TorchScript module: ", module.status().message()));
    }
    return WrapUserModule(*std::move(module), source, input);
  }
  if (config.module_case() == v1::TorchScriptEncoder::kModelId) {
    return absl::FailedPreconditionError(
        "encoder.torchscript.model_id: model ids are resolved by simclrd; a standalone "
        "worker needs encoder.torchscript.path");
  }
  return absl::InvalidArgumentError(
      "encoder.torchscript: set path, module_bytes or model_id");
}

}  // namespace

absl::StatusOr<Encoder> BuildEncoder(const v1::EncoderConfig& config,
                                     const InputShape& input) {
  switch (config.source_case()) {
    case v1::EncoderConfig::kBuiltin:
      return BuildBuiltin(config.builtin(), input);
    case v1::EncoderConfig::kTorchscript:
      return LoadUserEncoder(config.torchscript(), input);
    case v1::EncoderConfig::kCheckpointId:
      return absl::FailedPreconditionError(
          "encoder.checkpoint_id: checkpoints are resolved by simclrd; for a "
          "standalone run use encoder.torchscript.path with the checkpoint's "
          "encoder.pt");
    default:
      return absl::InvalidArgumentError(
          "encoder: set builtin, torchscript or checkpoint_id");
  }
}

absl::Status SetTrainableLayers(Encoder& encoder, int k) {
  if (k < -1) {
    return absl::InvalidArgumentError(
        absl::StrCat("unfrozen_layers: ", k, " must be >= -1"));
  }
  const int count = static_cast<int>(encoder.layers.size());
  const int first_trainable = k < 0 ? 0 : std::max(0, count - k);
  for (int i = 0; i < count; ++i) {
    const bool trainable = i >= first_trainable;
    for (auto parameter : encoder.layers[i].parameters(/*recurse=*/true)) {
      parameter.set_requires_grad(trainable);
    }
    if (!trainable) encoder.layers[i].train(false);
  }
  return absl::OkStatus();
}

std::vector<torch::Tensor> EncoderParameters(const Encoder& encoder) {
  std::vector<torch::Tensor> parameters;
  for (const auto& parameter : encoder.module.parameters(/*recurse=*/true)) {
    parameters.push_back(parameter);
  }
  return parameters;
}

}  // namespace simclr::core
