#include "core/train/lars.h"

#include <memory>
#include <string>
#include <type_traits>
#include <utility>

#include "torch/torch.h"

namespace simclr::core {
namespace {

// Optimizer::state_ is keyed by a string in LibTorch 1.13 and by the
// TensorImpl pointer in later releases; this builds whichever key the
// linked LibTorch uses.
template <typename Map>
typename Map::key_type StateKey(const Map&, const torch::Tensor& p) {
  if constexpr (std::is_same_v<typename Map::key_type, std::string>) {
    return c10::guts::to_string(p.unsafeGetTensorImpl());
  } else {
    return static_cast<typename Map::key_type>(p.unsafeGetTensorImpl());
  }
}

}  // namespace

void LarsOptions::serialize(torch::serialize::InputArchive& archive) {
  _TORCH_OPTIM_DESERIALIZE_TORCH_ARG(double, lr);
  _TORCH_OPTIM_DESERIALIZE_TORCH_ARG(double, momentum);
  _TORCH_OPTIM_DESERIALIZE_TORCH_ARG(double, weight_decay);
  _TORCH_OPTIM_DESERIALIZE_TORCH_ARG(double, trust_coefficient);
}

void LarsOptions::serialize(torch::serialize::OutputArchive& archive) const {
  _TORCH_OPTIM_SERIALIZE_TORCH_ARG(lr);
  _TORCH_OPTIM_SERIALIZE_TORCH_ARG(momentum);
  _TORCH_OPTIM_SERIALIZE_TORCH_ARG(weight_decay);
  _TORCH_OPTIM_SERIALIZE_TORCH_ARG(trust_coefficient);
}

void LarsParamState::serialize(torch::serialize::InputArchive& archive) {
  _TORCH_OPTIM_DESERIALIZE_TORCH_ARG(torch::Tensor, momentum_buffer);
}

void LarsParamState::serialize(torch::serialize::OutputArchive& archive) const {
  _TORCH_OPTIM_SERIALIZE_TORCH_ARG(momentum_buffer);
}

Lars::Lars(std::vector<torch::optim::OptimizerParamGroup> param_groups,
           LarsOptions defaults)
    : Optimizer(std::move(param_groups),
                std::make_unique<LarsOptions>(defaults)) {}

Lars::Lars(std::vector<torch::Tensor> params, LarsOptions defaults)
    : Lars({torch::optim::OptimizerParamGroup(std::move(params))}, defaults) {}

torch::Tensor Lars::step(LossClosure closure) {
  torch::NoGradGuard no_grad;
  torch::Tensor loss;
  if (closure != nullptr) {
    at::AutoGradMode enable_grad(true);
    loss = closure();
  }
  for (auto& group : param_groups_) {
    const auto& options = static_cast<const LarsOptions&>(group.options());
    for (auto& p : group.params()) {
      if (!p.grad().defined()) continue;
      torch::Tensor update = p.grad();
      const bool excluded = p.dim() <= 1;
      torch::Tensor scaled_lr;
      if (excluded) {
        update = update.mul(options.lr());
      } else {
        if (options.weight_decay() != 0) {
          update = update.add(p, options.weight_decay());
        }
        const torch::Tensor w_norm = p.norm();
        const torch::Tensor g_norm = update.norm();
        const torch::Tensor trust =
            torch::where(w_norm.gt(0).logical_and(g_norm.gt(0)),
                         options.trust_coefficient() * w_norm / g_norm,
                         torch::ones_like(w_norm));
        update = update.mul(trust * options.lr());
      }
      auto& slot = state_[StateKey(state_, p)];
      if (slot == nullptr) {
        auto state = std::make_unique<LarsParamState>();
        state->momentum_buffer(update.clone());
        slot = std::move(state);
      } else {
        auto& buffer = static_cast<LarsParamState&>(*slot).momentum_buffer();
        buffer.mul_(options.momentum()).add_(update);
      }
      p.sub_(static_cast<LarsParamState&>(*slot).momentum_buffer());
    }
  }
  return loss;
}

void Lars::save(torch::serialize::OutputArchive& archive) const {
  serialize(*this, archive);
}

void Lars::load(torch::serialize::InputArchive& archive) {
  serialize(*this, archive);
}

}  // namespace simclr::core
