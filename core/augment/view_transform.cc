#include "core/augment/view_transform.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/str_cat.h"
#include "core/augment/ops.h"
#include "opencv2/imgproc.hpp"

namespace simclr::core {
namespace {

// Wraps the stored pixels (no copy) converted to the wanted channel count.
cv::Mat ToChannels(const StoredImage& image, int channels) {
  const cv::Mat stored(image.height, image.width, CV_8UC(image.channels),
                       const_cast<uint8_t*>(image.pixels));
  if (image.channels == channels) return stored;
  cv::Mat converted;
  cv::cvtColor(stored, converted,
               channels == 1 ? cv::COLOR_RGB2GRAY : cv::COLOR_GRAY2RGB);
  return converted;
}

// Resize so the short side is `size` (bilinear), then centre-crop.
// The centre square of the short side, resized to size × size: the same
// picture as "resize the short side, then centre crop", but it crops first,
// so a 1 × 100000 image never becomes a 28 × 2800000 intermediate.
cv::Mat ResizeCenterCrop(const cv::Mat& image, int size) {
  if (image.rows == size && image.cols == size) return image;
  const int side = std::min(image.rows, image.cols);
  const cv::Mat square =
      image(cv::Rect((image.cols - side) / 2, (image.rows - side) / 2, side, side));
  cv::Mat resized;
  cv::resize(square, resized, cv::Size(size, size), 0, 0, cv::INTER_LINEAR);
  return resized;
}

void Normalize(const cv::Mat& image, const InputShape& shape, float* out) {
  const int plane = shape.size * shape.size;
  for (int c = 0; c < shape.channels; ++c) {
    const float scale = 1.0f / (255.0f * shape.std[c]);
    const float offset = shape.mean[c] / shape.std[c];
    float* dst = out + static_cast<size_t>(c) * plane;
    for (int y = 0; y < shape.size; ++y) {
      const uint8_t* row = image.ptr<uint8_t>(y);
      for (int x = 0; x < shape.size; ++x) {
        *dst++ = row[x * shape.channels + c] * scale - offset;
      }
    }
  }
}

}  // namespace

absl::StatusOr<InputShape> ResolveInputShape(const v1::InputSpec& spec,
                                             int data_height,
                                             int data_channels) {
  InputShape shape;
  shape.size = spec.size() != 0 ? spec.size() : data_height;
  shape.channels = spec.channels() != 0 ? spec.channels() : data_channels;
  if (shape.size < 8 || shape.size > 1024) {
    return absl::InvalidArgumentError(
        absl::StrCat("input.size: ", shape.size, " is outside [8, 1024]"));
  }
  if (shape.channels != 1 && shape.channels != 3) {
    return absl::InvalidArgumentError(
        absl::StrCat("input.channels: ", shape.channels, " must be 1 or 3"));
  }
  auto fill = [&](const auto& values, const char* field, float low, float high,
                  bool open_low, std::vector<float>* out) -> absl::Status {
    if (values.empty()) {
      out->assign(shape.channels, 0.5f);
      return absl::OkStatus();
    }
    if (values.size() != shape.channels) {
      return absl::InvalidArgumentError(
          absl::StrCat("input.", field, ": ", values.size(), " values for ",
                       shape.channels, " channel(s)"));
    }
    for (const float v : values) {
      if (!(open_low ? v > low : v >= low) || !(v <= high)) {
        return absl::InvalidArgumentError(
            absl::StrCat("input.", field, ": ", v, " is outside ",
                         open_low ? "(" : "[", low, ", ", high, "]"));
      }
    }
    out->assign(values.begin(), values.end());
    return absl::OkStatus();
  };
  if (auto s = fill(spec.mean(), "mean", 0, 1, false, &shape.mean); !s.ok()) {
    return s;
  }
  if (auto s = fill(spec.std(), "std", 0, 10, true, &shape.std); !s.ok()) {
    return s;
  }
  return shape;
}

void TrainViewTransform::Apply(const StoredImage& image, AugmentRng& rng,
                               float* out) const {
  cv::Mat view = ToChannels(image, shape_.channels);
  view = params_.crop ? RandomResizedCrop(view, shape_.size, params_, rng)
                      : ResizeCenterCrop(view, shape_.size);
  // Never modify the stored pixels in place.
  if (view.data == image.pixels) view = view.clone();
  if (params_.flip) MaybeFlip(view, params_.flip_probability, rng);
  if (params_.color_jitter) MaybeColorJitter(view, params_, rng);
  if (params_.grayscale)
    MaybeGrayscale(view, params_.grayscale_probability, rng);
  if (params_.blur) MaybeBlur(view, params_, rng);
  Normalize(view, shape_, out);
}

void EvalTransform(const StoredImage& image, const InputShape& shape,
                   float* out) {
  Normalize(ResizeCenterCrop(ToChannels(image, shape.channels), shape.size),
            shape, out);
}

}  // namespace simclr::core
