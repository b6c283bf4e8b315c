// LARS (You et al. 2017) as the official SimCLR uses it, as a LibTorch
// optimizer (so torch::save / torch::load keep its state for exact resume).
//
// For each parameter w with gradient g:
//   g' = g + weight_decay · w                       (not for excluded w)
//   trust = η · ||w|| / ||g'||  if both norms > 0, else 1 (1 for excluded w)
//   v ← momentum · v + lr · trust · g'
//   w ← w − v
// Excluded parameters are the 1-D ones: biases and BatchNorm's γ and β, as
// in the official implementation's exclude lists ("bias",
// "batch_normalization"). Nothing is synchronised to the host: the trust
// ratio stays a tensor.
#ifndef SIMCLR_CORE_TRAIN_LARS_H_
#define SIMCLR_CORE_TRAIN_LARS_H_

#include <vector>

#include "torch/optim/optimizer.h"
#include "torch/optim/serialize.h"

namespace simclr::core {

struct LarsOptions
    : public torch::optim::OptimizerCloneableOptions<LarsOptions> {
  explicit LarsOptions(double lr = 0.3) : lr_(lr) {}
  TORCH_ARG(double, lr);
  TORCH_ARG(double, momentum) = 0.9;
  TORCH_ARG(double, weight_decay) = 1e-6;
  TORCH_ARG(double, trust_coefficient) = 0.001;

 public:
  void serialize(torch::serialize::InputArchive& archive) override;
  void serialize(torch::serialize::OutputArchive& archive) const override;
  double get_lr() const override { return lr(); }
  void set_lr(const double lr) override { this->lr(lr); }
};

struct LarsParamState
    : public torch::optim::OptimizerCloneableParamState<LarsParamState> {
  TORCH_ARG(torch::Tensor, momentum_buffer);

 public:
  void serialize(torch::serialize::InputArchive& archive) override;
  void serialize(torch::serialize::OutputArchive& archive) const override;
};

class Lars : public torch::optim::Optimizer {
 public:
  Lars(std::vector<torch::optim::OptimizerParamGroup> param_groups,
       LarsOptions defaults);
  Lars(std::vector<torch::Tensor> params, LarsOptions defaults);

  torch::Tensor step(LossClosure closure = nullptr) override;
  void save(torch::serialize::OutputArchive& archive) const override;
  void load(torch::serialize::InputArchive& archive) override;

 private:
  template <typename Self, typename Archive>
  static void serialize(Self& self, Archive& archive) {
    _TORCH_OPTIM_SERIALIZE_WITH_TEMPLATE_ARG(Lars);
  }
};

}  // namespace simclr::core

#endif  // SIMCLR_CORE_TRAIN_LARS_H_
