#include "core/data/encoded_image.h"

#include <algorithm>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "core/data/image_header.h"
#include "opencv2/imgcodecs.hpp"
#include "opencv2/imgproc.hpp"

namespace simclr::core {
namespace {

absl::Status NotAnImage() {
  return absl::InvalidArgumentError("not a PNG or JPEG (or an unsupported pixel format)");
}

// cv::imdecode's result, or an empty Mat when it throws.
cv::Mat Decode(absl::string_view bytes, int channels) {
  const cv::Mat raw(1, static_cast<int>(bytes.size()), CV_8U, const_cast<char*>(bytes.data()));
  const int mode = channels == 0   ? cv::IMREAD_UNCHANGED
                   : channels == 1 ? cv::IMREAD_GRAYSCALE
                                   : cv::IMREAD_COLOR;
  try {
    return cv::imdecode(raw, mode);
  } catch (const cv::Exception&) {
    return {};
  }
}

DecodedImage ToRgb(cv::Mat& image) {
  if (image.channels() == 3) cv::cvtColor(image, image, cv::COLOR_BGR2RGB);
  if (image.channels() == 4) cv::cvtColor(image, image, cv::COLOR_BGRA2RGB);
  DecodedImage decoded;
  decoded.height = image.rows;
  decoded.width = image.cols;
  decoded.channels = image.channels();
  decoded.pixels.resize(image.total() * static_cast<size_t>(image.channels()));
  const size_t row = static_cast<size_t>(image.cols) * static_cast<size_t>(image.channels());
  for (int y = 0; y < image.rows; ++y) {
    std::memcpy(decoded.pixels.data() + static_cast<size_t>(y) * row, image.ptr(y), row);
  }
  return decoded;
}

}  // namespace

absl::StatusOr<DecodedImage> DecodeImage(absl::string_view bytes, int64_t max_pixels,
                                         int channels) {
  ImageHeader header;
  if (bytes.size() > static_cast<size_t>(INT32_MAX) ||
      ScanImageHeader(bytes, &header) != HeaderScan::kFound) {
    return NotAnImage();
  }
  if (header.pixels() > max_pixels) {
    return absl::InvalidArgumentError(absl::StrCat(header.width, "x", header.height,
                                                   " pixels exceed the limit of ", max_pixels));
  }
  cv::Mat image = Decode(bytes, channels);
  // The decoder must have read the header we checked (EXIF may rotate it).
  const bool as_declared =
      image.total() == static_cast<size_t>(header.pixels()) &&
      std::max(image.rows, image.cols) == std::max(header.width, header.height);
  if (image.empty() || !as_declared || image.depth() != CV_8U ||
      (image.channels() != 1 && image.channels() != 3 && image.channels() != 4)) {
    return NotAnImage();
  }
  return ToRgb(image);
}

}  // namespace simclr::core
