// The MLP projection head g(·) of SimCLR, used only while pretraining (so a
// plain torch::nn module: it is never exported).
//
// widths = [w1, …, wk]: Linear(D, w1) → act → … → Linear(wk-1, wk), where
// act is BatchNorm + ReLU (official SimCLR) or swish without BatchNorm (the
// ancestor's feat_dims_ph). The last layer is linear. With sync_batch_norm
// the BatchNorm layers use the global batch of all ranks (same parameter
// and buffer names, so its state loads either way).
#ifndef SIMCLR_CORE_MODELS_PROJECTION_HEAD_H_
#define SIMCLR_CORE_MODELS_PROJECTION_HEAD_H_

#include <cstdint>
#include <vector>

#include "absl/status/statusor.h"
#include "simclr/v1/model.pb.h"
#include "torch/nn/module.h"
#include "torch/nn/modules/container/sequential.h"
#include "torch/nn/pimpl.h"

namespace simclr::core {

class ProjectionHeadImpl : public torch::nn::Module {
 public:
  ProjectionHeadImpl(int64_t in_features, const std::vector<int64_t>& widths,
                     bool relu_bn, bool sync_batch_norm = false);
  torch::Tensor forward(const torch::Tensor& x);

 private:
  torch::nn::Sequential layers_;
};
TORCH_MODULE(ProjectionHead);

// Defaults (empty widths → [D, 128]) and validation (INVALID_ARGUMENT
// naming "projection_head.widths").
absl::StatusOr<ProjectionHead> BuildProjectionHead(
    const v1::ProjectionHeadConfig& config, int64_t feature_dim,
    bool sync_batch_norm = false);

}  // namespace simclr::core

#endif  // SIMCLR_CORE_MODELS_PROJECTION_HEAD_H_
