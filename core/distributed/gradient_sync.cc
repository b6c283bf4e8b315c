#include "core/distributed/gradient_sync.h"

#include "torch/torch.h"

namespace simclr::core {
namespace {

// Consecutive tensors of one dtype and device, at most kBucketBytes (a
// larger tensor is a bucket of its own).
std::vector<std::vector<at::Tensor>> Buckets(const std::vector<at::Tensor>& tensors) {
  std::vector<std::vector<at::Tensor>> buckets;
  int64_t bytes = 0;
  for (const at::Tensor& t : tensors) {
    const int64_t size = t.numel() * static_cast<int64_t>(t.element_size());
    const bool fits = !buckets.empty() && buckets.back().front().dtype() == t.dtype() &&
                      buckets.back().front().device() == t.device() &&
                      bytes + size <= kBucketBytes;
    if (!fits) {
      buckets.emplace_back();
      bytes = 0;
    }
    buckets.back().push_back(t);
    bytes += size;
  }
  return buckets;
}

at::Tensor Flatten(const std::vector<at::Tensor>& tensors) {
  std::vector<at::Tensor> flat;
  flat.reserve(tensors.size());
  for (const at::Tensor& t : tensors) flat.push_back(t.reshape({-1}));
  return torch::cat(flat);
}

// Copies `flat`'s consecutive slices back into `tensors`.
void Unflatten(const at::Tensor& flat, const std::vector<at::Tensor>& tensors) {
  int64_t offset = 0;
  for (const at::Tensor& t : tensors) {
    const int64_t n = t.numel();
    t.copy_(flat.slice(0, offset, offset + n).view_as(t));
    offset += n;
  }
}

}  // namespace

void BroadcastFromChief(const std::vector<at::Tensor>& tensors, RankGroup& group) {
  torch::NoGradGuard no_grad;
  for (const auto& bucket : Buckets(tensors)) {
    at::Tensor flat = Flatten(bucket);
    group.Broadcast(flat);
    Unflatten(flat, bucket);
  }
}

void AverageGradients(const std::vector<at::Tensor>& parameters, RankGroup& group,
                      std::vector<double>& sums) {
  torch::NoGradGuard no_grad;
  std::vector<at::Tensor> grads;
  for (const at::Tensor& p : parameters) {
    if (p.grad().defined()) grads.push_back(p.grad());
  }
  const double world = group.world_size();
  const auto buckets = Buckets(grads);
  for (size_t i = 0; i < buckets.size(); ++i) {
    const bool last = i + 1 == buckets.size();
    at::Tensor flat = Flatten(buckets[i]);
    const int64_t grad_values = flat.numel();
    if (last && !sums.empty()) {
      flat = torch::cat({flat, torch::tensor(sums, flat.options().dtype(torch::kDouble))
                                   .to(flat.dtype())});
    }
    group.AllReduceSum(flat);
    if (last && !sums.empty()) {
      const at::Tensor tail = flat.slice(0, grad_values).to(torch::kDouble).cpu();
      for (size_t k = 0; k < sums.size(); ++k) sums[k] = tail[k].item<double>();
    }
    Unflatten(flat.slice(0, 0, grad_values).div_(world), buckets[i]);
  }
  if (buckets.empty()) SumOverRanks(sums, group);
}

void SumOverRanks(std::vector<double>& values, RankGroup& group) {
  if (values.empty()) return;
  at::Tensor t = torch::tensor(values, torch::kDouble);
  group.AllReduceSum(t);
  for (size_t k = 0; k < values.size(); ++k) values[k] = t[k].item<double>();
}

}  // namespace simclr::core
