#include "core/models/projection_head.h"

#include "absl/strings/str_cat.h"
#include "core/distributed/sync_batch_norm.h"
#include "torch/torch.h"

namespace simclr::core {
namespace {

// BatchNorm1d's parameters and buffers, normalised by SyncBatchNorm.
class SyncBatchNorm1dImpl : public torch::nn::Module {
 public:
  explicit SyncBatchNorm1dImpl(int64_t features)
      : weight_(register_parameter("weight", torch::ones({features}))),
        bias_(register_parameter("bias", torch::zeros({features}))),
        running_mean_(register_buffer("running_mean", torch::zeros({features}))),
        running_var_(register_buffer("running_var", torch::ones({features}))),
        batches_(register_buffer("num_batches_tracked", torch::zeros({}, torch::kLong))) {}

  torch::Tensor forward(const torch::Tensor& x) {
    if (is_training()) {
      torch::NoGradGuard no_grad;
      batches_.add_(1);
    }
    return SyncBatchNorm(x, weight_, bias_, running_mean_, running_var_, is_training(),
                         /*momentum=*/0.1, /*eps=*/1e-5);
  }

 private:
  torch::Tensor weight_, bias_, running_mean_, running_var_, batches_;
};
TORCH_MODULE(SyncBatchNorm1d);

}  // namespace

ProjectionHeadImpl::ProjectionHeadImpl(int64_t in_features,
                                       const std::vector<int64_t>& widths,
                                       bool relu_bn, bool sync_batch_norm) {
  int64_t in = in_features;
  for (size_t i = 0; i < widths.size(); ++i) {
    const bool last = i + 1 == widths.size();
    layers_->push_back(torch::nn::Linear(
        torch::nn::LinearOptions(in, widths[i]).bias(last || !relu_bn)));
    if (!last) {
      if (relu_bn) {
        if (sync_batch_norm) {
          layers_->push_back(SyncBatchNorm1d(widths[i]));
        } else {
          layers_->push_back(torch::nn::BatchNorm1d(widths[i]));
        }
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
    const v1::ProjectionHeadConfig& config, int64_t feature_dim, bool sync_batch_norm) {
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
  return ProjectionHead(feature_dim, widths, relu_bn, sync_batch_norm);
}

}  // namespace simclr::core
