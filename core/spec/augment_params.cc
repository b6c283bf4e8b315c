#include "core/spec/augment_params.h"

#include <initializer_list>
#include <tuple>

#include "absl/strings/str_cat.h"
#include "core/common/field_error.h"
#include "core/common/status_macros.h"
#include "core/spec/checks.h"

namespace simclr::core {
namespace {

AugmentParams Preset(v1::AugmentationPreset preset) {
  AugmentParams params;  // the official SimCLR values
  if (preset == v1::AUGMENTATION_PRESET_ANCESTOR_COLOR_ONLY) {
    params.crop = params.flip = params.blur = false;
    params.brightness = params.contrast = params.saturation = 0.8f * 0.5f;
    params.hue = 0.2f * 0.5f;
  } else if (preset == v1::AUGMENTATION_PRESET_NONE) {
    params.crop = params.flip = params.color_jitter = params.grayscale =
        params.blur = false;
  }
  return params;
}

// The ranges of augment.proto, checked on the merged values so that a
// preset's value and an override meet the same rules.
absl::Status CheckRanges(const AugmentParams& p, const std::string& field) {
  const auto at = [&field](const char* name) { return Sub(field, name); };
  const Interval probability{0, 1};
  const Interval amount{0, 4};
  for (const auto& [name, value, range] :
       std::initializer_list<std::tuple<const char*, double, Interval>>{
           {"crop.scale_min", p.scale_min, {0, 1, true}},
           {"crop.scale_max", p.scale_max, {0, 1, true}},
           {"crop.ratio_min", p.ratio_min, {0, 10, true}},
           {"crop.ratio_max", p.ratio_max, {0, 10, true}},
           {"flip.probability", p.flip_probability, probability},
           {"color_jitter.probability", p.jitter_probability, probability},
           {"color_jitter.brightness", p.brightness, amount},
           {"color_jitter.contrast", p.contrast, amount},
           {"color_jitter.saturation", p.saturation, amount},
           {"color_jitter.hue", p.hue, {0, 0.5}},
           {"grayscale.probability", p.grayscale_probability, probability},
           {"blur.probability", p.blur_probability, probability},
           {"blur.sigma_min", p.sigma_min, {0, 50, true}},
           {"blur.sigma_max", p.sigma_max, {0, 50, true}},
           {"blur.kernel_fraction", p.kernel_fraction, {0, 1, true}}}) {
    SIMCLR_RETURN_IF_ERROR(CheckInterval(at(name), value, range));
  }
  // The lower end of each drawn interval is at most its upper end.
  for (const auto& [name, low, high] :
       std::initializer_list<std::tuple<const char*, double, double>>{
           {"crop.scale_min", p.scale_min, p.scale_max},
           {"crop.ratio_min", p.ratio_min, p.ratio_max},
           {"blur.sigma_min", p.sigma_min, p.sigma_max}}) {
    if (low > high) {
      return FieldError(at(name), absl::StrCat(low, " is above its maximum ", high));
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<AugmentParams> ResolveAugmentParams(
    const v1::AugmentationConfig& config, const std::string& field) {
  SIMCLR_RETURN_IF_ERROR(CheckEnum(Sub(field, "preset"), config.preset(),
                                   v1::AugmentationPreset_IsValid));
  AugmentParams p = Preset(config.preset());

  const auto& crop = config.crop();
  if (crop.has_enabled()) p.crop = crop.enabled();
  if (crop.has_scale_min()) p.scale_min = crop.scale_min();
  if (crop.has_scale_max()) p.scale_max = crop.scale_max();
  if (crop.has_ratio_min()) p.ratio_min = crop.ratio_min();
  if (crop.has_ratio_max()) p.ratio_max = crop.ratio_max();

  const auto& flip = config.flip();
  if (flip.has_enabled()) p.flip = flip.enabled();
  if (flip.has_probability()) p.flip_probability = flip.probability();

  // Strength s rescales the four jitter amounts; explicit amounts win.
  const auto& jitter = config.color_jitter();
  if (jitter.has_enabled()) p.color_jitter = jitter.enabled();
  if (jitter.has_probability()) p.jitter_probability = jitter.probability();
  if (jitter.has_strength()) {
    SIMCLR_RETURN_IF_ERROR(CheckInterval(Sub(field, "color_jitter.strength"),
                                         jitter.strength(), {0, 4}));
    p.brightness = p.contrast = p.saturation = 0.8f * jitter.strength();
    p.hue = 0.2f * jitter.strength();
  }
  if (jitter.has_brightness()) p.brightness = jitter.brightness();
  if (jitter.has_contrast()) p.contrast = jitter.contrast();
  if (jitter.has_saturation()) p.saturation = jitter.saturation();
  if (jitter.has_hue()) p.hue = jitter.hue();

  const auto& gray = config.grayscale();
  if (gray.has_enabled()) p.grayscale = gray.enabled();
  if (gray.has_probability()) p.grayscale_probability = gray.probability();

  const auto& blur = config.blur();
  if (blur.has_enabled()) p.blur = blur.enabled();
  if (blur.has_probability()) p.blur_probability = blur.probability();
  if (blur.has_sigma_min()) p.sigma_min = blur.sigma_min();
  if (blur.has_sigma_max()) p.sigma_max = blur.sigma_max();
  if (blur.has_kernel_fraction()) p.kernel_fraction = blur.kernel_fraction();

  SIMCLR_RETURN_IF_ERROR(CheckRanges(p, field));
  return p;
}

absl::StatusOr<MultiCropParams> ResolveMultiCrop(const v1::MultiCropConfig& config,
                                                 const std::string& field, int input_size) {
  MultiCropParams p;
  p.count = config.count();
  SIMCLR_RETURN_IF_ERROR(CheckInt(Sub(field, "count"), p.count, 0, 8));
  if (config.has_size()) {
    p.size = config.size();
    SIMCLR_RETURN_IF_ERROR(CheckInt(Sub(field, "size"), p.size, 8, 1024));
    if (input_size > 0 && p.size > input_size) {
      return FieldError(Sub(field, "size"),
                        absl::StrCat(p.size, " is above the input size ", input_size));
    }
  }
  if (config.has_scale_min()) p.scale_min = config.scale_min();
  if (config.has_scale_max()) p.scale_max = config.scale_max();
  SIMCLR_RETURN_IF_ERROR(CheckInterval(Sub(field, "scale_min"), p.scale_min, {0, 1, true}));
  SIMCLR_RETURN_IF_ERROR(CheckInterval(Sub(field, "scale_max"), p.scale_max, {0, 1, true}));
  if (p.scale_min > p.scale_max) {
    return FieldError(Sub(field, "scale_min"),
                      absl::StrCat(p.scale_min, " is above its maximum ", p.scale_max));
  }
  return p;
}

}  // namespace simclr::core
