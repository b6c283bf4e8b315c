// One checkpoint's TorchScript encoder, loaded for inference on a device.
//
// Immutable after Load, and shared (std::shared_ptr) by the model cache and
// every batch that runs on it: a model evicted or swapped out stays alive
// until its last batch has finished. The header is torch-free so the
// server's service code compiles without LibTorch.
#ifndef SIMCLR_CORE_INFERENCE_LOADED_ENCODER_H_
#define SIMCLR_CORE_INFERENCE_LOADED_ENCODER_H_

#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "core/augment/view_transform.h"
#include "simclr/v1/checkpoint.pb.h"

namespace simclr::core {

class LoadedEncoder {
 public:
  // Loads `folder`/encoder.pt onto `device` ("cpu", "cuda", "cuda:N") in
  // eval mode. `meta` is the checkpoint's encoder metadata (meta.json):
  // its input spec becomes the preprocessing, its feature_dim is checked
  // against a probe forward. FAILED_PRECONDITION for an unreadable or
  // inconsistent checkpoint.
  static absl::StatusOr<std::shared_ptr<const LoadedEncoder>> Load(
      const std::string& folder, const std::string& checkpoint_id,
      const v1::EncoderMetadata& meta, const std::string& device);
  ~LoadedEncoder();

  // Features of `count` preprocessed inputs (count × input().values()
  // floats) into `out` (count × feature_dim() floats), without gradients.
  // Thread-safe: TorchScript forwards may run concurrently.
  absl::Status Forward(const float* inputs, int64_t count, float* out) const;

  const std::string& checkpoint_id() const { return checkpoint_id_; }
  const InputShape& input() const { return input_; }
  int feature_dim() const { return feature_dim_; }
  // Parameter and buffer bytes: what the cache budgets.
  int64_t bytes() const { return bytes_; }

 private:
  struct Module;
  LoadedEncoder() = default;

  std::string checkpoint_id_;
  InputShape input_;
  int feature_dim_ = 0;
  int64_t bytes_ = 0;
  std::unique_ptr<Module> module_;
};

}  // namespace simclr::core

#endif  // SIMCLR_CORE_INFERENCE_LOADED_ENCODER_H_
