#include "core/train/optimizer_factory.h"

#include <utility>

#include "core/train/lars.h"
#include "torch/torch.h"

namespace simclr::core {

std::unique_ptr<torch::optim::Optimizer> MakeOptimizer(
    const OptimizerSettings& s, double lr,
    std::vector<torch::Tensor> parameters) {
  switch (s.kind) {
    case v1::OPTIMIZER_KIND_SGD:
      return std::make_unique<torch::optim::SGD>(
          std::move(parameters), torch::optim::SGDOptions(lr)
                                     .momentum(s.momentum)
                                     .weight_decay(s.weight_decay));
    case v1::OPTIMIZER_KIND_LARS:
      return std::make_unique<Lars>(
          std::move(parameters), LarsOptions(lr)
                                     .momentum(s.momentum)
                                     .weight_decay(s.weight_decay)
                                     .trust_coefficient(s.trust_coefficient));
    default:
      return std::make_unique<torch::optim::Adam>(
          std::move(parameters), torch::optim::AdamOptions(lr)
                                     .betas({s.beta1, s.beta2})
                                     .eps(s.eps)
                                     .weight_decay(s.weight_decay)
                                     .amsgrad(s.amsgrad));
  }
}

void SetLearningRate(torch::optim::Optimizer& optimizer, double lr) {
  for (auto& group : optimizer.param_groups()) group.options().set_lr(lr);
}

}  // namespace simclr::core
