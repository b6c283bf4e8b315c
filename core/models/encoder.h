// The base model of a job: a built-in architecture or a user's TorchScript
// module, always as a torch::jit::Module mapping (N, C, H, W) to (N, D).
//
// `layers` are the units gradual unfreezing counts ("the last k layers"):
// the top-level children of a built-in encoder, or of the user's module.
// They share storage with `module` (jit modules are handles).
#ifndef SIMCLR_CORE_MODELS_ENCODER_H_
#define SIMCLR_CORE_MODELS_ENCODER_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "core/augment/view_transform.h"
#include "simclr/v1/model.pb.h"
#include "torch/script.h"

namespace simclr::core {

struct Encoder {
  torch::jit::Module module;
  int64_t feature_dim = 0;
  // ARCHITECTURE_UNSPECIFIED for user TorchScript encoders.
  v1::Architecture arch = v1::ARCHITECTURE_UNSPECIFIED;
  std::vector<torch::jit::Module> layers;
  std::vector<std::string> layer_names;
};

// Builds the encoder `config` names for inputs of `input`'s shape, with
// weights from LibTorch's global generator. A TorchScript encoder is
// loaded, wrapped so that (N, D, 1, 1) outputs are flattened, and its
// feature dimension found by a dry run. INVALID_ARGUMENT naming the field
// (e.g. "encoder.torchscript.path") for anything unusable.
absl::StatusOr<Encoder> BuildEncoder(const v1::EncoderConfig& config,
                                     const InputShape& input);

// Makes the last `k` layers trainable and freezes the others (k = -1: all
// trainable; 0: none). Frozen layers stop tracking gradients and run their
// BatchNorm in inference mode, as a frozen Keras layer does; call it after
// module.train(). INVALID_ARGUMENT if k < -1.
absl::Status SetTrainableLayers(Encoder& encoder, int k);

// Every parameter of the encoder, in a stable order.
std::vector<torch::Tensor> EncoderParameters(const Encoder& encoder);

}  // namespace simclr::core

#endif  // SIMCLR_CORE_MODELS_ENCODER_H_
