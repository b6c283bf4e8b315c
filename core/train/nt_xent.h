// NT-Xent, the SimCLR loss (Chen et al. 2020, eq. 1).
//
// For N images and two views each, the 2N projections are L2-normalised and
// compared by cosine similarity divided by the temperature τ. Each view's
// positive is the other view of its image; the other 2N - 2 views are its
// negatives. The loss is the mean over all 2N anchors of the cross-entropy
// of the positive against everything but the anchor itself.
//
// Decoupled (DCL, Yeh et al. 2022): the positive is also left out of the
// denominator, so an easy positive no longer damps the push on the
// negatives; its authors found it needs neither large batches nor long
// training, which is what a CPU run lacks.
//
// Also reports the positive-pair top-1: the share of anchors whose most
// similar other view is their positive (the ancestor's "SimCLR output
// check"; chance is 1 / (2N - 1)).
#ifndef SIMCLR_CORE_TRAIN_NT_XENT_H_
#define SIMCLR_CORE_TRAIN_NT_XENT_H_

#include "ATen/core/Tensor.h"
#include "absl/status/statusor.h"

namespace simclr::core {

struct NtXentResult {
  // Scalar, differentiable with respect to both inputs.
  at::Tensor loss;
  // Scalar in [0, 1], without gradient.
  double positive_top1 = 0;
};

// z1, z2: (N, D) projections of the first and second views, same dtype and
// device, N ≥ 1 (≥ 2 when decoupled). INVALID_ARGUMENT on mismatched shapes
// or τ ≤ 0.
absl::StatusOr<NtXentResult> NtXentLoss(const at::Tensor& z1,
                                        const at::Tensor& z2,
                                        double temperature,
                                        bool decoupled = false);

// One rank's share of NT-Xent over a global batch: z1, z2 hold every
// rank's projections (N, D), gathered; the anchors are this rank's rows
// [first, first + count) of both views, the candidates all 2N views. The
// mean of the ranks' losses (equal counts) is NtXentLoss(z1, z2), and so
// is its gradient once gathered gradients are summed (gather.h).
absl::StatusOr<NtXentResult> NtXentLossForAnchors(const at::Tensor& z1,
                                                  const at::Tensor& z2,
                                                  int64_t first, int64_t count,
                                                  double temperature,
                                                  bool decoupled = false);

}  // namespace simclr::core

#endif  // SIMCLR_CORE_TRAIN_NT_XENT_H_
