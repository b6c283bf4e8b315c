// A tiny TorchScript encoder for inference tests: features = x.flatten(1)
// @ w, with w = arange / 1000 reshaped to (C·S·S, D), so every expected
// vector is computable in the test. Saved as `dir`/encoder.pt.
#ifndef SIMCLR_TESTS_CORE_INFERENCE_TINY_ENCODER_H_
#define SIMCLR_TESTS_CORE_INFERENCE_TINY_ENCODER_H_

#include <filesystem>
#include <string>

#include "simclr/v1/checkpoint.pb.h"
#include "torch/script.h"
#include "torch/torch.h"

namespace simclr::testing {

inline at::Tensor TinyEncoderWeights(int channels, int size, int dim) {
  return torch::arange(channels * size * size * dim, torch::kFloat)
      .div(1000.0)
      .reshape({channels * size * size, dim});
}

// Writes the encoder and returns its meta.json encoder metadata (mean 0,
// std 1, so preprocessing is pixels / 255).
inline v1::EncoderMetadata WriteTinyEncoder(const std::string& dir,
                                            int channels, int size, int dim) {
  std::filesystem::create_directories(dir);
  torch::jit::Module module("TinyEncoder");
  module.register_parameter("w", TinyEncoderWeights(channels, size, dim),
                            false);
  module.define(R"(
    def forward(self, x):
        return x.flatten(1).mm(self.w)
  )");
  module.save(dir + "/encoder.pt");
  v1::EncoderMetadata meta;
  meta.mutable_input()->set_size(size);
  meta.mutable_input()->set_channels(channels);
  for (int c = 0; c < channels; ++c) {
    meta.mutable_input()->add_mean(0.0f);
    meta.mutable_input()->add_std(1.0f);
  }
  meta.set_feature_dim(dim);
  return meta;
}

}  // namespace simclr::testing

#endif  // SIMCLR_TESTS_CORE_INFERENCE_TINY_ENCODER_H_
