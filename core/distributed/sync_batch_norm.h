// Synchronised BatchNorm: in training, the batch statistics of every rank
// together (per-channel sums all-reduced), and in backward the two
// statistics terms of the gradient summed over ranks too, so the output and
// the gradients equal one BatchNorm over the whole global batch (as
// torch.nn.SyncBatchNorm). In eval mode, or with no group set, it is
// torch.batch_norm. Needs weight, bias and running statistics.
//
// Built-in encoders call it from TorchScript as the custom operator
// simclr::sync_batch_norm while the pretrainer trains a twin of the
// exported module (see script_layers.h); the exported encoder.pt keeps
// plain torch.batch_norm and needs no project code.
#ifndef SIMCLR_CORE_DISTRIBUTED_SYNC_BATCH_NORM_H_
#define SIMCLR_CORE_DISTRIBUTED_SYNC_BATCH_NORM_H_

#include "ATen/core/Tensor.h"
#include "core/distributed/rank_group.h"

namespace simclr::core {

// torch.batch_norm's arguments (cudnn_enabled aside). `running_mean` and
// `running_var` are updated in place when training, with the unbiased
// variance of the global batch, as torch.nn.SyncBatchNorm does.
at::Tensor SyncBatchNorm(const at::Tensor& input, const at::Tensor& weight,
                         const at::Tensor& bias, const at::Tensor& running_mean,
                         const at::Tensor& running_var, bool training, double momentum,
                         double eps);

// The group SyncBatchNorm reduces over, for the calling thread (the one
// that runs the forward passes); null: none (plain batch norm). The group
// must outlive its use.
void SetSyncBatchNormGroup(RankGroup* group);

// Registers the TorchScript operator simclr::sync_batch_norm (idempotent);
// scripts that call it must be compiled after this.
void RegisterSyncBatchNormOperator();

}  // namespace simclr::core

#endif  // SIMCLR_CORE_DISTRIBUTED_SYNC_BATCH_NORM_H_
