#include "core/models/projection_head.h"

#include "absl/strings/str_cat.h"
#include "torch/torch.h"

namespace simclr::core {

ProjectionHeadImpl::ProjectionHeadImpl(int64_t in_features,
                                       const std::vector<int64_t>& widths,
                                       bool relu_bn) {
  int64_t in = in_features;
  for (size_t i = 0; i < widths.size(); ++i) {
    const bool last = i + 1 == widths.size();
    layers_->push_back(torch::nn::Linear(
        torch::nn::LinearOptions(in, widths[i]).bias(last || !relu_bn)));
    if (!last) {
      if (relu_bn) {
        layers_->push_back(torch::nn::BatchNorm1d(widths[i]));
        layers_->push_back(torch::nn::ReLU());
      } else {
        layers_->push_back(torch::nn::SiLU());
      }
    }
    in = widths[i];
  }
  register_module("layers", layers_);
}

torch::Tensor ProjectionHeadImpl::forward(const torch::Tensor& x) {
  return layers_->forward(x);
}

absl::StatusOr<ProjectionHead> BuildProjectionHead(
    const v1::ProjectionHeadConfig& config, int64_t feature_dim) {
  std::vector<int64_t> widths(config.widths().begin(), config.widths().end());
  if (widths.empty()) widths = {feature_dim, 128};
  if (widths.size() > 8) {
    return absl::InvalidArgumentError(absl::StrCat(
        "projection_head.widths: ", widths.size(), " layers; at most 8"));
  }
  for (size_t i = 0; i < widths.size(); ++i) {
    if (widths[i] < 1 || widths[i] > 16384) {
      return absl::InvalidArgumentError(absl::StrCat("projection_head.widths[",
                                                     i, "]: ", widths[i],
                                                     " is outside [1, 16384]"));
    }
  }
  const bool relu_bn = config.activation() != v1::HEAD_ACTIVATION_SWISH;
  return ProjectionHead(feature_dim, widths, relu_bn);
}

}  // namespace simclr::core
