#include "core/data/encoded_image.h"

#include <cstring>

#include "absl/strings/str_cat.h"
#include "opencv2/imgcodecs.hpp"
#include "opencv2/imgproc.hpp"

namespace simclr::core {
namespace {

uint32_t BigEndian32(const unsigned char* b) {
  return (uint32_t{b[0]} << 24) | (uint32_t{b[1]} << 16) |
         (uint32_t{b[2]} << 8) | b[3];
}

}  // namespace

int64_t DeclaredPixels(absl::string_view bytes) {
  const auto* b = reinterpret_cast<const unsigned char*>(bytes.data());
  const size_t n = bytes.size();
  if (n >= 24 && std::memcmp(b, "\x89PNG\r\n\x1a\n", 8) == 0) {
    return int64_t{BigEndian32(b + 16)} * BigEndian32(b + 20);
  }
  if (n >= 4 && b[0] == 0xFF && b[1] == 0xD8) {
    size_t at = 2;
    while (at + 9 < n && b[at] == 0xFF) {
      const unsigned char marker = b[at + 1];
      const size_t length = (size_t{b[at + 2]} << 8) | b[at + 3];
      const bool frame = marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 &&
                         marker != 0xC8 && marker != 0xCC;
      if (frame) {
        return int64_t{(b[at + 5] << 8) | b[at + 6]} *
               ((b[at + 7] << 8) | b[at + 8]);
      }
      at += 2 + length;
    }
  }
  return 0;
}

absl::StatusOr<DecodedImage> DecodeImage(absl::string_view bytes,
                                         int64_t max_pixels) {
  const int64_t declared = DeclaredPixels(bytes);
  if (declared > max_pixels) {
    return absl::InvalidArgumentError(
        absl::StrCat(declared, " pixels exceed the limit of ", max_pixels));
  }
  cv::Mat image;
  if (!bytes.empty()) {
    const cv::Mat raw(1, static_cast<int>(bytes.size()), CV_8U,
                      const_cast<char*>(bytes.data()));
    try {
      image = cv::imdecode(raw, cv::IMREAD_UNCHANGED);
    } catch (const cv::Exception&) {
      image.release();
    }
  }
  if (image.empty() || image.depth() != CV_8U ||
      (image.channels() != 1 && image.channels() != 3 &&
       image.channels() != 4)) {
    return absl::InvalidArgumentError(
        "not a PNG or JPEG (or an unsupported pixel format)");
  }
  if (static_cast<int64_t>(image.total()) > max_pixels) {
    return absl::InvalidArgumentError(
        absl::StrCat(image.cols, "x", image.rows,
                     " pixels exceed the limit of ", max_pixels));
  }
  if (image.channels() == 3) cv::cvtColor(image, image, cv::COLOR_BGR2RGB);
  if (image.channels() == 4) cv::cvtColor(image, image, cv::COLOR_BGRA2RGB);
  DecodedImage decoded;
  decoded.height = image.rows;
  decoded.width = image.cols;
  decoded.channels = image.channels();
  decoded.pixels.resize(image.total() * image.channels());
  if (image.isContinuous()) {
    std::memcpy(decoded.pixels.data(), image.data, decoded.pixels.size());
  } else {
    const size_t row = static_cast<size_t>(image.cols) * image.channels();
    for (int y = 0; y < image.rows; ++y) {
      std::memcpy(decoded.pixels.data() + y * row, image.ptr(y), row);
    }
  }
  return decoded;
}

}  // namespace simclr::core
