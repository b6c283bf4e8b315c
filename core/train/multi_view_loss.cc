#include "core/train/multi_view_loss.h"

#include <limits>

#include "absl/strings/str_cat.h"
#include "core/common/status_macros.h"
#include "core/runtime/torch_status.h"
#include "torch/torch.h"

namespace simclr::core {
namespace {

absl::Status CheckArguments(const at::Tensor& views, int64_t first, int64_t count,
                            double temperature, bool decoupled) {
  if (!(temperature > 0)) {
    return absl::InvalidArgumentError(
        absl::StrCat("temperature ", temperature, ": must be > 0"));
  }
  if (views.dim() != 3 || views.size(0) < 2 || views.size(1) < 1) {
    return absl::InvalidArgumentError(absl::StrCat(
        "projections must be (V, N, D) with V >= 2 and N >= 1; got ", c10::str(views.sizes())));
  }
  if (decoupled && views.size(1) < 2) {
    return absl::InvalidArgumentError(
        "the decoupled loss needs at least 2 images: one alone has no negatives");
  }
  if (first < 0 || count < 1 || first + count > views.size(1)) {
    return absl::InvalidArgumentError(absl::StrCat("anchors [", first, ", ", first + count,
                                                   ") are outside the ", views.size(1),
                                                   " images"));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<NtXentResult> MultiViewNtXentLoss(const at::Tensor& views, int64_t first,
                                                 int64_t count, double temperature,
                                                 bool decoupled) {
  SIMCLR_RETURN_IF_ERROR(CheckArguments(views, first, count, temperature, decoupled));
  return CallTorch("multi-view nt-xent", [&] {
    namespace F = torch::nn::functional;
    const int64_t v = views.size(0), n = views.size(1);
    const auto long_options = torch::TensorOptions().dtype(torch::kLong).device(views.device());
    // Candidate row r is view r / n of image r % n.
    const at::Tensor candidates =
        F::normalize(views.reshape({v * n, views.size(2)}), F::NormalizeFuncOptions().dim(1));
    const at::Tensor anchor_rows =
        (torch::arange(v, long_options).unsqueeze(1) * n +
         torch::arange(first, first + count, long_options).unsqueeze(0))
            .reshape({-1});
    const at::Tensor logits =
        torch::matmul(candidates.index_select(0, anchor_rows), candidates.t()) / temperature;
    const at::Tensor columns = torch::arange(v * n, long_options);
    const at::Tensor is_self = anchor_rows.unsqueeze(1) == columns.unsqueeze(0);
    const at::Tensor same_image =
        (anchor_rows % n).unsqueeze(1) == (columns % n).unsqueeze(0);
    const at::Tensor is_positive = same_image.logical_and(is_self.logical_not());
    const double minus_infinity = -std::numeric_limits<double>::infinity();
    const at::Tensor others = logits.masked_fill(is_self, minus_infinity);
    const at::Tensor log_positives =
        torch::logsumexp(others.masked_fill(is_positive.logical_not(), minus_infinity), 1);
    const at::Tensor log_denominator =
        decoupled ? torch::logsumexp(logits.masked_fill(same_image, minus_infinity), 1)
                  : torch::logsumexp(others, 1);
    NtXentResult result;
    result.loss = (log_denominator - log_positives).mean();
    {
      torch::NoGradGuard no_grad;
      result.positive_top1 = is_positive.gather(1, others.argmax(1, true))
                                 .to(torch::kDouble)
                                 .mean()
                                 .item<double>();
    }
    return result;
  });
}

}  // namespace simclr::core
