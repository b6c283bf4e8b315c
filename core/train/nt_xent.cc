#include "core/train/nt_xent.h"

#include <limits>

#include "absl/strings/str_cat.h"
#include "core/runtime/torch_status.h"
#include "torch/torch.h"

namespace simclr::core {

absl::StatusOr<NtXentResult> NtXentLoss(const at::Tensor& z1,
                                        const at::Tensor& z2,
                                        double temperature, bool decoupled) {
  return NtXentLossForAnchors(z1, z2, 0, z1.dim() == 2 ? z1.size(0) : 0, temperature,
                              decoupled);
}

absl::StatusOr<NtXentResult> NtXentLossForAnchors(const at::Tensor& z1,
                                                  const at::Tensor& z2,
                                                  int64_t first, int64_t count,
                                                  double temperature,
                                                  bool decoupled) {
  if (!(temperature > 0)) {
    return absl::InvalidArgumentError(
        absl::StrCat("temperature ", temperature, ": must be > 0"));
  }
  if (z1.dim() != 2 || z1.sizes() != z2.sizes() || z1.size(0) < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("projections must both be (N, D) with N >= 1; got ",
                     c10::str(z1.sizes()), " and ", c10::str(z2.sizes())));
  }
  if (decoupled && z1.size(0) < 2) {
    return absl::InvalidArgumentError(
        "the decoupled loss needs at least 2 images: one alone has no negatives");
  }
  if (first < 0 || count < 1 || first + count > z1.size(0)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "anchors [", first, ", ", first + count, ") are outside the ", z1.size(0), " rows"));
  }
  return CallTorch("nt-xent", [&] {
    namespace F = torch::nn::functional;
    const int64_t n = z1.size(0);
    const auto normalize = F::NormalizeFuncOptions().dim(1);
    const at::Tensor candidates = F::normalize(torch::cat({z1, z2}, 0), normalize);
    const at::Tensor anchors = torch::cat(
        {candidates.slice(0, first, first + count),
         candidates.slice(0, n + first, n + first + count)});
    at::Tensor logits = torch::matmul(anchors, candidates.t()) / temperature;
    const auto long_options = torch::TensorOptions().dtype(torch::kLong).device(z1.device());
    const at::Tensor local = torch::arange(first, first + count, long_options);
    // Anchor rows are views local (first view) and n + local (second); an
    // anchor is never its own candidate, and its positive is the other view.
    const at::Tensor self_column = torch::cat({local, local + n});
    const at::Tensor targets = torch::cat({local + n, local});
    const at::Tensor rows = torch::arange(2 * count, long_options);
    const at::Tensor minus_infinity =
        torch::full({}, -std::numeric_limits<float>::infinity(), logits.options());
    logits = logits.index_put({rows, self_column}, minus_infinity);
    NtXentResult result;
    if (decoupled) {
      const at::Tensor positive = logits.index({rows, targets});
      const at::Tensor negatives = logits.index_put({rows, targets}, minus_infinity);
      result.loss = (torch::logsumexp(negatives, 1) - positive).mean();
    } else {
      result.loss = F::cross_entropy(logits, targets);
    }
    {
      torch::NoGradGuard no_grad;
      result.positive_top1 =
          logits.argmax(1).eq(targets).to(torch::kDouble).mean().item<double>();
    }
    return result;
  });
}

}  // namespace simclr::core
