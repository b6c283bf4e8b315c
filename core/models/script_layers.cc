#include "core/models/script_layers.h"

#include <atomic>
#include <cmath>

#include "absl/strings/str_cat.h"
#include "core/distributed/sync_batch_norm.h"
#include "torch/csrc/jit/frontend/resolver.h"
#include "torch/csrc/jit/frontend/sugared_value.h"
#include "torch/torch.h"

namespace simclr::core {

namespace {

// register_parameter keeps the tensor's own requires_grad, and a fresh
// tensor has it off: without this nothing would train.
void RegisterTrainable(torch::jit::Module& module, const std::string& name,
                       torch::Tensor value) {
  module.register_parameter(name, value.detach().requires_grad_(true),
                            /*is_buffer=*/false);
}

}  // namespace

torch::jit::Module NewScriptModule(const std::string& type_name) {
  // Distinct class names keep TorchScript's serializer from merging two
  // modules whose code differs (e.g. blocks with and without downsampling).
  static std::atomic<int64_t> counter{0};
  torch::jit::Module module(
      absl::StrCat("__torch__.simclr.", type_name, "_", counter++));
  if (!module.hasattr("training")) {
    module.register_attribute("training", c10::BoolType::get(), true);
  }
  return module;
}

void AddConv(torch::jit::Module& module, const std::string& name,
             int64_t in_channels, int64_t out_channels, int64_t kernel,
             bool bias) {
  torch::NoGradGuard no_grad;
  torch::Tensor weight =
      torch::empty({out_channels, in_channels, kernel, kernel});
  torch::nn::init::kaiming_normal_(weight, 0, torch::kFanOut, torch::kReLU);
  RegisterTrainable(module, name + "_weight", weight);
  if (bias)
    RegisterTrainable(module, name + "_bias", torch::zeros({out_channels}));
}

void AddBatchNorm(torch::jit::Module& module, const std::string& name,
                  int64_t channels) {
  RegisterTrainable(module, name + "_weight", torch::ones({channels}));
  RegisterTrainable(module, name + "_bias", torch::zeros({channels}));
  module.register_buffer(name + "_running_mean", torch::zeros({channels}));
  module.register_buffer(name + "_running_var", torch::ones({channels}));
}

void AddLinear(torch::jit::Module& module, const std::string& name,
               int64_t in_features, int64_t out_features) {
  torch::NoGradGuard no_grad;
  const double bound = 1.0 / std::sqrt(static_cast<double>(in_features));
  RegisterTrainable(
      module, name + "_weight",
      torch::empty({out_features, in_features}).uniform_(-bound, bound));
  RegisterTrainable(module, name + "_bias",
                    torch::empty({out_features}).uniform_(-bound, bound));
}

std::string ConvExpr(const std::string& name, const std::string& input,
                     int64_t stride, int64_t padding, bool bias) {
  return absl::StrCat("torch.conv2d(", input, ", self.", name, "_weight, ",
                      bias ? absl::StrCat("self.", name, "_bias") : "None",
                      ", [", stride, ", ", stride, "], [", padding, ", ",
                      padding, "], [1, 1], 1)");
}

namespace {
thread_local int sync_batch_norm_scopes = 0;
}  // namespace

ScopedSyncBatchNormScripts::ScopedSyncBatchNormScripts() {
  RegisterSyncBatchNormOperator();
  ++sync_batch_norm_scopes;
}

ScopedSyncBatchNormScripts::~ScopedSyncBatchNormScripts() { --sync_batch_norm_scopes; }

namespace {

// torch.* as the default resolver has it, and simclr.* for this project's
// operators (the synchronised BatchNorm).
struct ProjectResolver : public torch::jit::Resolver {
  std::shared_ptr<torch::jit::SugaredValue> resolveValue(
      const std::string& name, torch::jit::GraphFunction& function,
      const torch::jit::SourceRange& location) override {
    if (name == "torch") return std::make_shared<torch::jit::BuiltinModule>("aten");
    if (name == "simclr") return std::make_shared<torch::jit::BuiltinModule>("simclr");
    return nullptr;
  }
  c10::TypePtr resolveType(const std::string& name,
                           const torch::jit::SourceRange& location) override {
    return nullptr;
  }
};

}  // namespace

void DefineMethods(torch::jit::Module& module, const std::string& code) {
  module.define(code, std::make_shared<ProjectResolver>());
}

std::string BatchNormExpr(const std::string& name, const std::string& input) {
  return absl::StrCat(sync_batch_norm_scopes > 0 ? "simclr.sync_batch_norm("
                                                 : "torch.batch_norm(",
                      input, ", self.", name,
                      "_weight, self.", name, "_bias, self.", name,
                      "_running_mean, self.", name,
                      "_running_var, self.training, 0.1, 1e-05",
                      sync_batch_norm_scopes > 0 ? ")" : ", False)");
}

std::string LinearExpr(const std::string& name, const std::string& input) {
  return absl::StrCat("torch.linear(", input, ", self.", name, "_weight, self.",
                      name, "_bias)");
}

}  // namespace simclr::core
