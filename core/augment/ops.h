// The SimCLR augmentation ops on 8-bit images (cv::Mat, 1 or 3 channels,
// RGB order), each following torchvision's definition:
//   RandomResizedCrop, HorizontalFlip, ColorJitter (brightness, contrast,
//   saturation, hue in random order), RandomGrayscale, GaussianBlur.
// Each Maybe* op draws from `rng` whether to apply itself and returns
// whether it did. On one-channel images saturation, hue and grayscale are
// no-ops. Not thread-safe per rng; the ops themselves keep no state.
#ifndef SIMCLR_CORE_AUGMENT_OPS_H_
#define SIMCLR_CORE_AUGMENT_OPS_H_

#include "core/augment/augment_rng.h"
#include "core/spec/augment_params.h"
#include "opencv2/core.hpp"

namespace simclr::core {

// torchvision's RandomResizedCrop.get_params: up to 10 draws of an area
// share in [scale_min, scale_max] and a log-uniform aspect ratio; the first
// that fits wins, else a centre crop with the ratio clamped to the range.
cv::Rect SampleResizedCrop(int height, int width, const AugmentParams& params,
                           AugmentRng& rng);

// A size×size bilinear resize of a sampled crop.
cv::Mat RandomResizedCrop(const cv::Mat& image, int size,
                          const AugmentParams& params, AugmentRng& rng);

bool MaybeFlip(cv::Mat& image, float probability, AugmentRng& rng);

bool MaybeColorJitter(cv::Mat& image, const AugmentParams& params,
                      AugmentRng& rng);

// Factor-based adjustments, as torchvision's functional ops.
void AdjustBrightness(cv::Mat& image, double factor);
void AdjustContrast(cv::Mat& image, double factor);
void AdjustSaturation(cv::Mat& image, double factor);
// `shift` is a share of the hue circle, in [-0.5, 0.5].
void AdjustHue(cv::Mat& image, double shift);

bool MaybeGrayscale(cv::Mat& image, float probability, AugmentRng& rng);

// Odd kernel side of at least 3 for an image side: kernel_fraction × side.
int BlurKernelSize(int side, float kernel_fraction);

bool MaybeBlur(cv::Mat& image, const AugmentParams& params, AugmentRng& rng);

}  // namespace simclr::core

#endif  // SIMCLR_CORE_AUGMENT_OPS_H_
