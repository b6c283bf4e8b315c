#include "core/augment/ops.h"

#include <algorithm>
#include <array>
#include <cmath>

#include "opencv2/imgproc.hpp"

namespace simclr::core {

cv::Rect SampleResizedCrop(int height, int width, const AugmentParams& params,
                           AugmentRng& rng) {
  const double area = static_cast<double>(height) * width;
  const double log_min = std::log(params.ratio_min);
  const double log_max = std::log(params.ratio_max);
  for (int attempt = 0; attempt < 10; ++attempt) {
    const double target =
        area * rng.Uniform(params.scale_min, params.scale_max);
    const double ratio = std::exp(rng.Uniform(log_min, log_max));
    const int w = static_cast<int>(std::lround(std::sqrt(target * ratio)));
    const int h = static_cast<int>(std::lround(std::sqrt(target / ratio)));
    if (w > 0 && h > 0 && w <= width && h <= height) {
      const int y = static_cast<int>(rng.Below(height - h + 1));
      const int x = static_cast<int>(rng.Below(width - w + 1));
      return {x, y, w, h};
    }
  }
  // Fallback: the whole image, cropped centrally to the nearest ratio.
  const double in_ratio = static_cast<double>(width) / height;
  int w = width, h = height;
  if (in_ratio < params.ratio_min) {
    h = static_cast<int>(std::lround(w / params.ratio_min));
  } else if (in_ratio > params.ratio_max) {
    w = static_cast<int>(std::lround(h * params.ratio_max));
  }
  return {(width - w) / 2, (height - h) / 2, w, h};
}

cv::Mat RandomResizedCrop(const cv::Mat& image, int size,
                          const AugmentParams& params, AugmentRng& rng) {
  const cv::Rect crop = SampleResizedCrop(image.rows, image.cols, params, rng);
  cv::Mat out;
  cv::resize(image(crop), out, cv::Size(size, size), 0, 0, cv::INTER_LINEAR);
  return out;
}

bool MaybeFlip(cv::Mat& image, float probability, AugmentRng& rng) {
  if (!rng.Bernoulli(probability)) return false;
  cv::flip(image, image, 1);
  return true;
}

void AdjustBrightness(cv::Mat& image, double factor) {
  image.convertTo(image, -1, factor, 0);
}

void AdjustContrast(cv::Mat& image, double factor) {
  cv::Mat gray = image;
  if (image.channels() == 3) cv::cvtColor(image, gray, cv::COLOR_RGB2GRAY);
  const double mean = cv::mean(gray)[0];
  image.convertTo(image, -1, factor, (1.0 - factor) * mean);
}

void AdjustSaturation(cv::Mat& image, double factor) {
  if (image.channels() != 3) return;
  cv::Mat gray, gray3;
  cv::cvtColor(image, gray, cv::COLOR_RGB2GRAY);
  cv::cvtColor(gray, gray3, cv::COLOR_GRAY2RGB);
  cv::addWeighted(image, factor, gray3, 1.0 - factor, 0, image);
}

void AdjustHue(cv::Mat& image, double shift) {
  if (image.channels() != 3) return;
  // 8-bit HSV_FULL maps the whole hue circle onto 0..255.
  const int offset = static_cast<int>(std::lround(shift * 256.0));
  if (offset % 256 == 0) return;
  cv::Mat hsv;
  cv::cvtColor(image, hsv, cv::COLOR_RGB2HSV_FULL);
  cv::Mat lut(1, 256, CV_8UC3);
  for (int v = 0; v < 256; ++v) {
    lut.at<cv::Vec3b>(v) =
        cv::Vec3b(static_cast<uchar>((v + offset) & 0xff),
                  static_cast<uchar>(v), static_cast<uchar>(v));
  }
  cv::LUT(hsv, lut, hsv);
  cv::cvtColor(hsv, image, cv::COLOR_HSV2RGB_FULL);
}

bool MaybeColorJitter(cv::Mat& image, const AugmentParams& params,
                      AugmentRng& rng) {
  if (!rng.Bernoulli(params.jitter_probability)) return false;
  std::array<int, 4> order = {0, 1, 2, 3};
  for (size_t i = order.size(); i > 1; --i) {
    std::swap(order[i - 1], order[rng.Below(i)]);
  }
  auto factor = [&rng](float amount) {
    return rng.Uniform(std::max(0.0, 1.0 - amount), 1.0 + amount);
  };
  for (const int op : order) {
    switch (op) {
      case 0:
        if (params.brightness > 0)
          AdjustBrightness(image, factor(params.brightness));
        break;
      case 1:
        if (params.contrast > 0) AdjustContrast(image, factor(params.contrast));
        break;
      case 2:
        if (params.saturation > 0)
          AdjustSaturation(image, factor(params.saturation));
        break;
      case 3:
        if (params.hue > 0)
          AdjustHue(image, rng.Uniform(-params.hue, params.hue));
        break;
    }
  }
  return true;
}

bool MaybeGrayscale(cv::Mat& image, float probability, AugmentRng& rng) {
  if (!rng.Bernoulli(probability)) return false;
  if (image.channels() == 3) {
    cv::Mat gray;
    cv::cvtColor(image, gray, cv::COLOR_RGB2GRAY);
    cv::cvtColor(gray, image, cv::COLOR_GRAY2RGB);
  }
  return true;
}

int BlurKernelSize(int side, float kernel_fraction) {
  int kernel = static_cast<int>(std::lround(side * kernel_fraction));
  if (kernel % 2 == 0) ++kernel;
  return std::max(kernel, 3);
}

bool MaybeBlur(cv::Mat& image, const AugmentParams& params, AugmentRng& rng) {
  if (!rng.Bernoulli(params.blur_probability)) return false;
  const double sigma = rng.Uniform(params.sigma_min, params.sigma_max);
  const int kernel =
      BlurKernelSize(std::min(image.rows, image.cols), params.kernel_fraction);
  cv::GaussianBlur(image, image, cv::Size(kernel, kernel), sigma, sigma,
                   cv::BORDER_REFLECT_101);
  return true;
}

}  // namespace simclr::core
