// Data-parallel bookkeeping over a RankGroup: the same starting weights on
// every rank, and gradients averaged after each backward. Tensors travel
// coalesced (flattened into buckets of one dtype, at most kBucketBytes
// each), so a ResNet-18 step is a handful of all-reduces, not one per
// parameter.
#ifndef SIMCLR_CORE_DISTRIBUTED_GRADIENT_SYNC_H_
#define SIMCLR_CORE_DISTRIBUTED_GRADIENT_SYNC_H_

#include <cstdint>
#include <vector>

#include "ATen/core/Tensor.h"
#include "core/distributed/rank_group.h"

namespace simclr::core {

inline constexpr int64_t kBucketBytes = int64_t{16} << 20;

// Overwrites every tensor (parameters, buffers) with rank 0's values.
void BroadcastFromChief(const std::vector<at::Tensor>& tensors, RankGroup& group);

// Replaces each parameter's gradient by its mean over ranks. Parameters
// without a gradient (frozen layers: the same on every rank) are skipped.
// `sums` travel in the last bucket and come back summed over ranks: the
// step's loss and counters, at no extra round trip.
void AverageGradients(const std::vector<at::Tensor>& parameters, RankGroup& group,
                      std::vector<double>& sums);

// Sums `values` over ranks (one small all-reduce).
void SumOverRanks(std::vector<double>& values, RankGroup& group);

}  // namespace simclr::core

#endif  // SIMCLR_CORE_DISTRIBUTED_GRADIENT_SYNC_H_
