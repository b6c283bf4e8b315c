// Builds the optimizer a job asks for over a list of parameters, and sets
// its learning rate (every group) as the schedule moves.
#ifndef SIMCLR_CORE_TRAIN_OPTIMIZER_FACTORY_H_
#define SIMCLR_CORE_TRAIN_OPTIMIZER_FACTORY_H_

#include <memory>
#include <vector>

#include "core/spec/pretrain_settings.h"
#include "torch/optim/optimizer.h"

namespace simclr::core {

std::unique_ptr<torch::optim::Optimizer> MakeOptimizer(
    const OptimizerSettings& settings, double learning_rate,
    std::vector<torch::Tensor> parameters);

void SetLearningRate(torch::optim::Optimizer& optimizer, double lr);

}  // namespace simclr::core

#endif  // SIMCLR_CORE_TRAIN_OPTIMIZER_FACTORY_H_
