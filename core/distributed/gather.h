// The all-gather that makes SimCLR's negatives global: forward concatenates every rank's rows in rank order;
// backward all-reduces (sums) the incoming gradient and returns this rank's
// slice. Each rank's loss reads every rank's rows, so the gradient of the
// sum of all ranks' losses with respect to this rank's rows is the sum of
// their gradients, not only the local one (lightly-ai/lightly PR #1531
// fixed exactly this). With gradients then averaged over ranks, N ranks of
// batch B train as one rank of N × B.
#ifndef SIMCLR_CORE_DISTRIBUTED_GATHER_H_
#define SIMCLR_CORE_DISTRIBUTED_GATHER_H_

#include "ATen/core/Tensor.h"
#include "core/distributed/rank_group.h"

namespace simclr::core {

// (n, ...) on each rank → (world × n, ...), differentiable. Throws
// c10::Error when a peer is lost.
at::Tensor GatherWithGradient(const at::Tensor& local, RankGroup& group);

}  // namespace simclr::core

#endif  // SIMCLR_CORE_DISTRIBUTED_GATHER_H_
