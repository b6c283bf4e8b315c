#include "core/inference/loaded_encoder.h"

#include <cstring>
#include <filesystem>

#include "absl/strings/str_cat.h"
#include "core/common/layout.h"
#include "core/common/status_macros.h"
#include "core/runtime/device.h"
#include "core/runtime/memory_format.h"
#include "core/runtime/torch_status.h"
#include "torch/script.h"

namespace simclr::core {

struct LoadedEncoder::Module {
  // forward() is const on the graph; the mutable copy only exists because
  // torch::jit::Module::forward is not declared const.
  mutable torch::jit::Module module;
  c10::Device device = c10::kCPU;
};

LoadedEncoder::~LoadedEncoder() = default;

absl::StatusOr<std::shared_ptr<const LoadedEncoder>> LoadedEncoder::Load(
    const std::string& folder, const std::string& checkpoint_id,
    const v1::EncoderMetadata& meta, const std::string& device_name) {
  SIMCLR_ASSIGN_OR_RETURN(const c10::Device device, ResolveDevice(device_name));
  const v1::InputSpec& spec = meta.input();
  if (spec.size() <= 0 || (spec.channels() != 1 && spec.channels() != 3) ||
      meta.feature_dim() <= 0) {
    return absl::FailedPreconditionError(absl::StrCat(
        "checkpoint ", checkpoint_id,
        ": meta.json lacks its input size, channels or feature_dim"));
  }
  auto shape = ResolveInputShape(spec, spec.size(), spec.channels());
  if (!shape.ok()) {
    return absl::FailedPreconditionError(
        absl::StrCat("checkpoint ", checkpoint_id,
                     ": meta.json input: ", shape.status().message()));
  }
  std::shared_ptr<LoadedEncoder> encoder(new LoadedEncoder());
  encoder->checkpoint_id_ = checkpoint_id;
  encoder->input_ = *std::move(shape);
  encoder->feature_dim_ = meta.feature_dim();
  encoder->module_ = std::make_unique<Module>();
  encoder->module_->device = device;
  const std::string path =
      (std::filesystem::path(folder) / core::layout::kEncoderFile).string();
  auto loaded = CallTorch(path, [&] {
    torch::jit::Module module = torch::jit::load(path, device);
    module.eval();
    ToMemoryFormat(module, ConvMemoryFormat(device));
    int64_t bytes = 0;
    for (const auto& p : module.parameters())
      bytes += p.numel() * p.element_size();
    for (const auto& b : module.buffers())
      bytes += b.numel() * b.element_size();
    encoder->bytes_ = bytes;
    return module;
  });
  if (!loaded.ok()) {
    return absl::FailedPreconditionError(
        absl::StrCat("checkpoint ", checkpoint_id,
                     ": cannot load encoder.pt: ", loaded.status().message()));
  }
  encoder->module_->module = *std::move(loaded);
  // One probe input proves the module takes the recorded input and gives
  // the recorded feature dimension, before any user request depends on it.
  std::vector<float> probe(encoder->input_.values(), 0.0f);
  std::vector<float> features(encoder->feature_dim_);
  if (auto status = encoder->Forward(probe.data(), 1, features.data());
      !status.ok()) {
    return absl::FailedPreconditionError(absl::StrCat(
        "checkpoint ", checkpoint_id,
        ": encoder.pt does not match meta.json: ", status.message()));
  }
  return std::shared_ptr<const LoadedEncoder>(std::move(encoder));
}

absl::Status LoadedEncoder::Forward(const float* inputs, int64_t count,
                                    float* out) const {
  try {
    torch::NoGradGuard no_grad;
    const at::Tensor batch =
        torch::from_blob(const_cast<float*>(inputs),
                         {count, input_.channels, input_.size, input_.size})
            .to(module_->device);
    at::Tensor features = module_->module.forward({batch}).toTensor();
    if (features.dim() != 2 || features.size(0) != count ||
        features.size(1) != feature_dim_) {
      return absl::InternalError(
          absl::StrCat("encoder output ", c10::str(features.sizes()),
                       ", expected [", count, ", ", feature_dim_, "]"));
    }
    features = features.to(torch::kCPU, torch::kFloat).contiguous();
    std::memcpy(out, features.data_ptr<float>(),
                sizeof(float) * count * feature_dim_);
    return absl::OkStatus();
  } catch (...) {
    return CurrentExceptionToStatus("encoder forward");
  }
}

}  // namespace simclr::core
