#include "core/models/classifier_head.h"

#include "absl/strings/str_cat.h"
#include "torch/torch.h"

namespace simclr::core {

ClassifierHeadImpl::ClassifierHeadImpl(int64_t in_features,
                                       const std::vector<int64_t>& hidden,
                                       int64_t num_classes, bool relu_bn,
                                       double dropout) {
  int64_t in = in_features;
  for (const int64_t width : hidden) {
    if (dropout > 0) layers_->push_back(torch::nn::Dropout(dropout));
    layers_->push_back(torch::nn::Linear(
        torch::nn::LinearOptions(in, width).bias(!relu_bn)));
    if (relu_bn) {
      layers_->push_back(torch::nn::BatchNorm1d(width));
      layers_->push_back(torch::nn::ReLU());
    } else {
      layers_->push_back(torch::nn::SiLU());
    }
    in = width;
  }
  if (dropout > 0) layers_->push_back(torch::nn::Dropout(dropout));
  layers_->push_back(torch::nn::Linear(in, num_classes));
  register_module("layers", layers_);
}

torch::Tensor ClassifierHeadImpl::forward(const torch::Tensor& x) {
  return layers_->forward(x);
}

absl::StatusOr<ClassifierHead> BuildClassifierHead(
    const v1::ClassifierHeadConfig& config, int64_t feature_dim,
    int64_t num_classes, const std::string& field) {
  if (config.hidden_widths_size() > 4) {
    return absl::InvalidArgumentError(absl::StrCat(
        field, ".hidden_widths: ", config.hidden_widths_size(),
        " layers; at most 4"));
  }
  std::vector<int64_t> hidden;
  for (int i = 0; i < config.hidden_widths_size(); ++i) {
    const int64_t w = config.hidden_widths(i);
    if (w < 1 || w > 16384) {
      return absl::InvalidArgumentError(absl::StrCat(
          field, ".hidden_widths[", i, "]: ", w, " is outside [1, 16384]"));
    }
    hidden.push_back(w);
  }
  if (!(config.dropout() >= 0 && config.dropout() < 0.9)) {
    return absl::InvalidArgumentError(absl::StrCat(
        field, ".dropout: ", config.dropout(), " is outside [0, 0.9)"));
  }
  return ClassifierHead(feature_dim, hidden, num_classes,
                        config.activation() != v1::HEAD_ACTIVATION_SWISH,
                        config.dropout());
}

}  // namespace simclr::core
