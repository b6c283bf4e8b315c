// Building blocks for encoders written as TorchScript modules.
//
// A C++ torch::nn::Module cannot be exported to TorchScript
// (pytorch/pytorch#14811), and the encoder.pt we ship must load in Python
// with torch.jit.load and need no project code. So encoders are
// torch::jit::Modules from the start: parameters and buffers registered by
// name, forward() define()d in TorchScript. Training uses the same module
// (autograd flows through it), so the exported file is the trained module
// itself, not a copy.
//
// Parameters are initialised from LibTorch's global generator; seed it
// (torch::manual_seed) before building for reproducible weights.
#ifndef SIMCLR_CORE_MODELS_SCRIPT_LAYERS_H_
#define SIMCLR_CORE_MODELS_SCRIPT_LAYERS_H_

#include <cstdint>
#include <string>

#include "torch/script.h"

namespace simclr::core {

// A fresh module with a unique class name derived from `type_name`, and the
// `training` attribute Python's nn.Module API expects.
torch::jit::Module NewScriptModule(const std::string& type_name);

// Registers `<name>_weight` (out × in × k × k, Kaiming-normal for ReLU,
// fan-out, as torchvision) and, with `bias`, `<name>_bias`.
void AddConv(torch::jit::Module& module, const std::string& name,
             int64_t in_channels, int64_t out_channels, int64_t kernel,
             bool bias);

// Registers `<name>_weight` (ones), `<name>_bias` (zeros) and the buffers
// `<name>_running_mean` / `<name>_running_var`.
void AddBatchNorm(torch::jit::Module& module, const std::string& name,
                  int64_t channels);

// Registers `<name>_weight` (out × in) and `<name>_bias`, initialised as
// torch.nn.Linear does.
void AddLinear(torch::jit::Module& module, const std::string& name,
               int64_t in_features, int64_t out_features);

// Compiles TorchScript `code` into `module` (module.define), resolving
// torch.* and this project's simclr.* operators.
void DefineMethods(torch::jit::Module& module, const std::string& code);

// TorchScript expressions for the layers above, applied to `input`.
std::string ConvExpr(const std::string& name, const std::string& input,
                     int64_t stride, int64_t padding, bool bias);
std::string BatchNormExpr(const std::string& name, const std::string& input);

// While one is alive on this thread, BatchNormExpr calls the synchronised
// simclr::sync_batch_norm (core/distributed/sync_batch_norm.h) instead of
// torch.batch_norm: how the pretrainer builds the training twin of a
// built-in encoder (sync_twin.h). Modules built meanwhile do not load
// without this project, so they are never saved.
class ScopedSyncBatchNormScripts {
 public:
  ScopedSyncBatchNormScripts();
  ~ScopedSyncBatchNormScripts();
  ScopedSyncBatchNormScripts(const ScopedSyncBatchNormScripts&) = delete;
  ScopedSyncBatchNormScripts& operator=(const ScopedSyncBatchNormScripts&) = delete;
};
std::string LinearExpr(const std::string& name, const std::string& input);

}  // namespace simclr::core

#endif  // SIMCLR_CORE_MODELS_SCRIPT_LAYERS_H_
