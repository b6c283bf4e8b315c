// The training twin of a built-in encoder for synchronised BatchNorm: the
// same architecture compiled with simclr::sync_batch_norm in place of
// torch.batch_norm, holding the very tensors of the encoder's parameters
// and buffers. Training the twin trains the encoder, whose module stays the
// one saved as encoder.pt (plain TorchScript, loadable without this project)
// and used for validation and kNN.
#ifndef SIMCLR_CORE_MODELS_SYNC_TWIN_H_
#define SIMCLR_CORE_MODELS_SYNC_TWIN_H_

#include "absl/status/statusor.h"
#include "core/augment/view_transform.h"
#include "core/models/encoder.h"
#include "simclr/v1/model.pb.h"
#include "torch/script.h"

namespace simclr::core {

// INVALID_ARGUMENT for a TorchScript encoder (its BatchNorm calls are not
// ours to replace). Leaves LibTorch's global generator as it found it.
absl::StatusOr<torch::jit::Module> BuildSyncBatchNormTwin(const v1::EncoderConfig& config,
                                                          const InputShape& input,
                                                          const Encoder& encoder);

// Copies every submodule's train/eval mode from `from` to `to` (after
// SetTrainableLayers changed them on the encoder).
void MirrorTrainingModes(const torch::jit::Module& from, torch::jit::Module& to);

}  // namespace simclr::core

#endif  // SIMCLR_CORE_MODELS_SYNC_TWIN_H_
