#include "core/distributed/sync_batch_norm.h"

#include <vector>

#include "core/distributed/gather.h"
#include "torch/torch.h"

namespace simclr::core {
namespace {

// Per thread: the training thread runs every forward (the autograd
// function keeps its own group for backward), and tests run ranks as
// threads of one process.
thread_local RankGroup* sync_group = nullptr;

// (1, C, 1, ...) for broadcasting per-channel values over `input`.
std::vector<int64_t> ChannelShape(const at::Tensor& input) {
  std::vector<int64_t> shape(static_cast<size_t>(input.dim()), 1);
  shape[1] = input.size(1);
  return shape;
}

}  // namespace

void SetSyncBatchNormGroup(RankGroup* group) { sync_group = group; }

at::Tensor SyncBatchNorm(const at::Tensor& input, const at::Tensor& weight,
                         const at::Tensor& bias, const at::Tensor& running_mean,
                         const at::Tensor& running_var, bool training, double momentum,
                         double eps) {
  RankGroup* group = sync_group;
  if (!training || group == nullptr || group->world_size() == 1) {
    return torch::batch_norm(input, weight, bias, running_mean, running_var, training,
                             momentum, eps, /*cudnn_enabled=*/false);
  }
  const int64_t channels = input.size(1);
  std::vector<int64_t> reduce_dims{0};
  for (int64_t d = 2; d < input.dim(); ++d) reduce_dims.push_back(d);
  const auto [local_var, local_mean] =
      torch::var_mean(input, reduce_dims, /*unbiased=*/false, /*keepdim=*/false);
  const double count = static_cast<double>(input.numel() / std::max<int64_t>(channels, 1));
  const at::Tensor counts_column = torch::full({1}, count, local_mean.options());
  const at::Tensor stats =
      GatherWithGradient(torch::cat({local_mean, local_var, counts_column}).unsqueeze(0),
                         *group);  // (world, 2C + 1)
  const at::Tensor means = stats.slice(1, 0, channels);
  const at::Tensor vars = stats.slice(1, channels, 2 * channels);
  const at::Tensor counts = stats.slice(1, 2 * channels).detach();  // (world, 1)
  const at::Tensor total = counts.sum();
  const at::Tensor mean = (means * counts).sum(0) / total;
  const at::Tensor var = ((vars + (means - mean).pow(2)) * counts).sum(0) / total;
  {
    torch::NoGradGuard no_grad;
    const double n = total.item<double>();
    if (running_mean.defined()) running_mean.mul_(1 - momentum).add_(mean.detach() * momentum);
    if (running_var.defined()) {
      running_var.mul_(1 - momentum).add_(var.detach() * (n / std::max(n - 1, 1.0)) * momentum);
    }
  }
  const auto shape = ChannelShape(input);
  at::Tensor out = (input - mean.view(shape)) * torch::rsqrt(var + eps).view(shape);
  if (weight.defined()) out = out * weight.view(shape);
  if (bias.defined()) out = out + bias.view(shape);
  return out;
}

namespace {

at::Tensor SyncBatchNormOperator(const at::Tensor& input, const at::Tensor& weight,
                                 const at::Tensor& bias, const at::Tensor& running_mean,
                                 const at::Tensor& running_var, bool training,
                                 double momentum, double eps) {
  return SyncBatchNorm(input, weight, bias, running_mean, running_var, training, momentum,
                       eps);
}

TORCH_LIBRARY(simclr, m) {
  m.def(
      "sync_batch_norm(Tensor input, Tensor weight, Tensor bias, Tensor(a!) running_mean, "
      "Tensor(b!) running_var, bool training, float momentum, float eps) -> Tensor",
      &SyncBatchNormOperator);
}

}  // namespace

// The registration above runs when this file is linked in; calling this
// from the scripts' builder makes sure it is.
void RegisterSyncBatchNormOperator() {}

}  // namespace simclr::core
