// NT-Xent over more than two views of each image (multi-crop).
//
// Every view of an image is a positive of every other; each anchor's loss
// is -log(Σ positives / Σ all other views), the exponentials of the
// cosine similarities over τ, as solo-learn's simclr_loss_func (the
// positives summed inside the log). With two views it is NT-Xent; with the
// decoupled option the denominator holds the negatives only (DCL).
#ifndef SIMCLR_CORE_TRAIN_MULTI_VIEW_LOSS_H_
#define SIMCLR_CORE_TRAIN_MULTI_VIEW_LOSS_H_

#include <cstdint>

#include "ATen/core/Tensor.h"
#include "absl/status/statusor.h"
#include "core/train/nt_xent.h"

namespace simclr::core {

// views: (V, N, D) projections, V ≥ 2 views of N images (every rank's,
// gathered, when distributed). The anchors are images [first, first +
// count) in every view, the candidates all V × N views; the loss is their
// mean, so the ranks' losses (equal counts) average to the whole batch's.
// positive_top1: the share of anchors whose most similar other view is a
// positive. INVALID_ARGUMENT on a bad shape, anchor range or τ ≤ 0.
absl::StatusOr<NtXentResult> MultiViewNtXentLoss(const at::Tensor& views, int64_t first,
                                                 int64_t count, double temperature,
                                                 bool decoupled = false);

}  // namespace simclr::core

#endif  // SIMCLR_CORE_TRAIN_MULTI_VIEW_LOSS_H_
