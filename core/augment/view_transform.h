// From a stored 8-bit image to the float tensor an encoder takes.
//
// TrainViewTransform: one SimCLR view (crop, flip, jitter, grayscale, blur,
// then normalisation). EvalTransform: the deterministic evaluation
// transform recorded in meta.json (resize the short side to `size`, centre
// crop, normalise) that evaluations and the embedding endpoint apply.
// Both write float32 CHW into a caller-owned buffer of
// channels × size × size values, so the loader can fill a pinned batch
// tensor in place. Both are const and thread-safe.
#ifndef SIMCLR_CORE_AUGMENT_VIEW_TRANSFORM_H_
#define SIMCLR_CORE_AUGMENT_VIEW_TRANSFORM_H_

#include <cstdint>
#include <vector>

#include "absl/status/statusor.h"
#include "core/augment/augment_rng.h"
#include "core/spec/augment_params.h"
#include "simclr/v1/data.pb.h"

namespace simclr::core {

// An InputSpec with every default filled in and validated.
struct InputShape {
  int size = 0;
  int channels = 0;
  std::vector<float> mean;
  std::vector<float> std;

  size_t values() const { return static_cast<size_t>(channels) * size * size; }
};

// Fills `spec`'s defaults from the data (size = data height, channels =
// data channels, mean = std = 0.5). INVALID_ARGUMENT naming the field, e.g.
// "input.mean: 3 values for 1 channel".
absl::StatusOr<InputShape> ResolveInputShape(const v1::InputSpec& spec,
                                             int data_height,
                                             int data_channels);

// The geometry of the stored images.
struct StoredImage {
  const uint8_t* pixels = nullptr;  // height × width × channels, row-major
  int height = 0;
  int width = 0;
  int channels = 0;
};

class TrainViewTransform {
 public:
  TrainViewTransform(AugmentParams params, InputShape shape)
      : params_(std::move(params)), shape_(std::move(shape)) {}

  void Apply(const StoredImage& image, AugmentRng& rng, float* out) const;

  const InputShape& shape() const { return shape_; }

 private:
  AugmentParams params_;
  InputShape shape_;
};

void EvalTransform(const StoredImage& image, const InputShape& shape,
                   float* out);

}  // namespace simclr::core

#endif  // SIMCLR_CORE_AUGMENT_VIEW_TRANSFORM_H_
