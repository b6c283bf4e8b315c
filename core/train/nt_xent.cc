#include "core/train/nt_xent.h"

#include <limits>

#include "absl/strings/str_cat.h"
#include "core/runtime/torch_status.h"
#include "torch/torch.h"

namespace simclr::core {

absl::StatusOr<NtXentResult> NtXentLoss(const at::Tensor& z1,
                                        const at::Tensor& z2,
                                        double temperature) {
  if (!(temperature > 0)) {
    return absl::InvalidArgumentError(
        absl::StrCat("temperature ", temperature, ": must be > 0"));
  }
  if (z1.dim() != 2 || z1.sizes() != z2.sizes() || z1.size(0) < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("projections must both be (N, D) with N >= 1; got ",
                     c10::str(z1.sizes()), " and ", c10::str(z2.sizes())));
  }
  return CallTorch("nt-xent", [&] {
    namespace F = torch::nn::functional;
    const int64_t n = z1.size(0);
    const at::Tensor z =
        F::normalize(torch::cat({z1, z2}, 0), F::NormalizeFuncOptions().dim(1));
    at::Tensor logits = torch::matmul(z, z.t()) / temperature;
    // An anchor is never its own candidate.
    const at::Tensor self = torch::eye(
        2 * n, torch::TensorOptions().dtype(torch::kBool).device(z.device()));
    logits = logits.masked_fill(self, -std::numeric_limits<float>::infinity());
    // Anchor i's positive is i + N, and i + N's is i.
    const at::Tensor first = torch::arange(
        n, torch::TensorOptions().dtype(torch::kLong).device(z.device()));
    const at::Tensor targets = torch::cat({first + n, first});
    NtXentResult result;
    result.loss = F::cross_entropy(logits, targets);
    {
      torch::NoGradGuard no_grad;
      result.positive_top1 =
          logits.argmax(1).eq(targets).to(torch::kDouble).mean().item<double>();
    }
    return result;
  });
}

}  // namespace simclr::core
