// The SimCLR augmentation parameters, resolved from an AugmentationConfig:
// the preset's values, overridden field by field by what the config sets,
// then validated. Ranges and defaults are documented in augment.proto.
#ifndef SIMCLR_CORE_SPEC_AUGMENT_PARAMS_H_
#define SIMCLR_CORE_SPEC_AUGMENT_PARAMS_H_

#include <algorithm>
#include <string>

#include "absl/status/statusor.h"
#include "simclr/v1/augment.pb.h"

namespace simclr::core {

struct AugmentParams {
  bool crop = true;
  float scale_min = 0.08f, scale_max = 1.0f;
  float ratio_min = 3.0f / 4.0f, ratio_max = 4.0f / 3.0f;

  bool flip = true;
  float flip_probability = 0.5f;

  bool color_jitter = true;
  float jitter_probability = 0.8f;
  float brightness = 0.8f, contrast = 0.8f, saturation = 0.8f, hue = 0.2f;

  bool grayscale = true;
  float grayscale_probability = 0.2f;

  bool blur = true;
  float blur_probability = 0.5f;
  float sigma_min = 0.1f, sigma_max = 2.0f;
  float kernel_fraction = 0.1f;
};

// INVALID_ARGUMENT naming the field path under `field` (e.g.
// "pretrain.augmentation.crop.scale_min") when a value is out of range or
// the preset is unknown.
absl::StatusOr<AugmentParams> ResolveAugmentParams(
    const v1::AugmentationConfig& config,
    const std::string& field = "augmentation");

// Multi-crop's small crops (MultiCropConfig); count 0 is off. `size` 0
// means half the input size, at least 8 (known once the data is read).
struct MultiCropParams {
  int count = 0;
  int size = 0;
  float scale_min = 0.05f, scale_max = 0.14f;

  int SideFor(int input_size) const { return size > 0 ? size : std::max(8, input_size / 2); }
};

// INVALID_ARGUMENT naming the field under `field` (e.g.
// "pretrain.multi_crop.count"). `input_size` 0 (not yet known) skips the
// check of size against it.
absl::StatusOr<MultiCropParams> ResolveMultiCrop(const v1::MultiCropConfig& config,
                                                 const std::string& field, int input_size);

}  // namespace simclr::core

#endif  // SIMCLR_CORE_SPEC_AUGMENT_PARAMS_H_
