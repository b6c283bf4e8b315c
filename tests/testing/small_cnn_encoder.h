// The built-in small CNN for 28×28 grey input, seeded: the encoder the
// runtime tests train a step of.
#ifndef SIMCLR_TESTS_TESTING_SMALL_CNN_ENCODER_H_
#define SIMCLR_TESTS_TESTING_SMALL_CNN_ENCODER_H_

#include <cstdint>

#include "core/models/encoder.h"
#include "gtest/gtest.h"
#include "torch/torch.h"

namespace simclr::testing {

inline core::Encoder SeededSmallCnn(uint64_t seed) {
  torch::manual_seed(seed);
  v1::EncoderConfig config;
  config.mutable_builtin()->set_arch(v1::ARCHITECTURE_SMALL_CNN);
  core::InputShape shape;
  shape.size = 28;
  shape.channels = 1;
  shape.mean = {0.5f};
  shape.std = {0.5f};
  auto encoder = core::BuildEncoder(config, shape);
  EXPECT_TRUE(encoder.ok()) << encoder.status();
  return *encoder;
}

}  // namespace simclr::testing

#endif  // SIMCLR_TESTS_TESTING_SMALL_CNN_ENCODER_H_
