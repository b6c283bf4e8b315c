#include "core/models/sync_twin.h"

#include <map>
#include <string>

#include "absl/strings/str_cat.h"
#include "core/common/status_macros.h"
#include "core/models/script_layers.h"
#include "core/runtime/torch_status.h"
#include "torch/torch.h"

namespace simclr::core {
namespace {

std::map<std::string, torch::jit::Module> ModulesByName(const torch::jit::Module& root) {
  std::map<std::string, torch::jit::Module> modules;
  for (const auto& named : root.named_modules()) modules.emplace(named.name, named.value);
  return modules;
}

}  // namespace

absl::StatusOr<torch::jit::Module> BuildSyncBatchNormTwin(const v1::EncoderConfig& config,
                                                          const InputShape& input,
                                                          const Encoder& encoder) {
  if (!config.has_builtin()) {
    return absl::InvalidArgumentError(
        "pretrain.sync_batch_norm: needs a built-in encoder (encoder.builtin); a "
        "TorchScript encoder's BatchNorm layers cannot be synchronised");
  }
  at::Generator generator = at::detail::getDefaultCPUGenerator();
  const at::Tensor random_state = generator.get_state();
  absl::StatusOr<Encoder> built = absl::InternalError("sync twin: not built");
  const absl::Status compiled = CallTorch("sync twin", [&] {
    const ScopedSyncBatchNormScripts sync_scripts;
    built = BuildEncoder(config, input);
  });
  generator.set_state(random_state);
  SIMCLR_RETURN_IF_ERROR(compiled);
  SIMCLR_RETURN_IF_ERROR(built.status());
  torch::jit::Module twin = built->module;
  auto twin_modules = ModulesByName(twin);
  for (const auto& [name, source] : ModulesByName(encoder.module)) {
    auto it = twin_modules.find(name);
    if (it == twin_modules.end()) {
      return absl::InternalError(absl::StrCat("sync twin: no submodule '", name, "'"));
    }
    for (const auto& p : source.named_parameters(/*recurse=*/false)) {
      it->second.setattr(p.name, p.value);
    }
    for (const auto& b : source.named_buffers(/*recurse=*/false)) {
      it->second.setattr(b.name, b.value);
    }
  }
  MirrorTrainingModes(encoder.module, twin);
  return twin;
}

void MirrorTrainingModes(const torch::jit::Module& from, torch::jit::Module& to) {
  auto targets = ModulesByName(to);
  for (const auto& [name, source] : ModulesByName(from)) {
    auto it = targets.find(name);
    if (it != targets.end()) it->second.setattr("training", source.is_training());
  }
}

}  // namespace simclr::core
