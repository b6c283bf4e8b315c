#include "core/augment/augment_params.h"

#include "absl/strings/str_cat.h"
#include "core/common/status_macros.h"

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

absl::Status Check(bool ok, const char* field, double value,
                   const char* range) {
  if (ok) return absl::OkStatus();
  return absl::InvalidArgumentError(
      absl::StrCat("augmentation.", field, ": ", value, " is outside ", range));
}

absl::Status CheckProbability(float p, const char* field) {
  return Check(p >= 0 && p <= 1, field, p, "[0, 1]");
}

}  // namespace

absl::StatusOr<AugmentParams> ResolveAugmentParams(
    const v1::AugmentationConfig& config) {
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
    SIMCLR_RETURN_IF_ERROR(
        Check(jitter.strength() >= 0 && jitter.strength() <= 4,
              "color_jitter.strength", jitter.strength(), "[0, 4]"));
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

  SIMCLR_RETURN_IF_ERROR(Check(p.scale_min > 0 && p.scale_min <= p.scale_max,
                               "crop.scale_min", p.scale_min,
                               "(0, scale_max]"));
  SIMCLR_RETURN_IF_ERROR(
      Check(p.scale_max <= 1, "crop.scale_max", p.scale_max, "[scale_min, 1]"));
  SIMCLR_RETURN_IF_ERROR(Check(p.ratio_min > 0 && p.ratio_min <= p.ratio_max,
                               "crop.ratio_min", p.ratio_min,
                               "(0, ratio_max]"));
  SIMCLR_RETURN_IF_ERROR(Check(p.ratio_max <= 10, "crop.ratio_max", p.ratio_max,
                               "[ratio_min, 10]"));
  SIMCLR_RETURN_IF_ERROR(
      CheckProbability(p.flip_probability, "flip.probability"));
  SIMCLR_RETURN_IF_ERROR(
      CheckProbability(p.jitter_probability, "color_jitter.probability"));
  SIMCLR_RETURN_IF_ERROR(Check(p.brightness >= 0 && p.brightness <= 4,
                               "color_jitter.brightness", p.brightness,
                               "[0, 4]"));
  SIMCLR_RETURN_IF_ERROR(Check(p.contrast >= 0 && p.contrast <= 4,
                               "color_jitter.contrast", p.contrast, "[0, 4]"));
  SIMCLR_RETURN_IF_ERROR(Check(p.saturation >= 0 && p.saturation <= 4,
                               "color_jitter.saturation", p.saturation,
                               "[0, 4]"));
  SIMCLR_RETURN_IF_ERROR(
      Check(p.hue >= 0 && p.hue <= 0.5, "color_jitter.hue", p.hue, "[0, 0.5]"));
  SIMCLR_RETURN_IF_ERROR(
      CheckProbability(p.grayscale_probability, "grayscale.probability"));
  SIMCLR_RETURN_IF_ERROR(
      CheckProbability(p.blur_probability, "blur.probability"));
  SIMCLR_RETURN_IF_ERROR(Check(p.sigma_min > 0 && p.sigma_min <= p.sigma_max,
                               "blur.sigma_min", p.sigma_min,
                               "(0, sigma_max]"));
  SIMCLR_RETURN_IF_ERROR(Check(p.sigma_max <= 50, "blur.sigma_max", p.sigma_max,
                               "[sigma_min, 50]"));
  SIMCLR_RETURN_IF_ERROR(Check(p.kernel_fraction > 0 && p.kernel_fraction <= 1,
                               "blur.kernel_fraction", p.kernel_fraction,
                               "(0, 1]"));
  return p;
}

}  // namespace simclr::core
