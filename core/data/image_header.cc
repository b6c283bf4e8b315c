#include "core/data/image_header.h"

#include <cstdint>
#include <cstring>

namespace simclr::core {
namespace {

constexpr unsigned char kPngSignature[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
constexpr int64_t kMaxSide = (int64_t{1} << 31) - 1;

uint32_t BigEndian32(const unsigned char* b) {
  return (uint32_t{b[0]} << 24) | (uint32_t{b[1]} << 16) | (uint32_t{b[2]} << 8) | b[3];
}

uint32_t BigEndian16(const unsigned char* b) { return (uint32_t{b[0]} << 8) | b[1]; }

HeaderScan ScanPng(const unsigned char* b, size_t n, ImageHeader* header) {
  if (n < 24) return HeaderScan::kNeedMore;
  // The first chunk must be a 13-byte IHDR.
  if (BigEndian32(b + 8) != 13 || std::memcmp(b + 12, "IHDR", 4) != 0) {
    return HeaderScan::kNotAnImage;
  }
  const int64_t width = BigEndian32(b + 16), height = BigEndian32(b + 20);
  if (width == 0 || height == 0 || width > kMaxSide || height > kMaxSide) {
    return HeaderScan::kNotAnImage;
  }
  *header = {ImageFormat::kPng, width, height};
  return HeaderScan::kFound;
}

bool IsFrameMarker(unsigned char marker) {
  return marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 &&
         marker != 0xCC;
}

bool IsStandaloneMarker(unsigned char marker) {
  return marker == 0x01 || (marker >= 0xD0 && marker <= 0xD7);
}

// Walks the marker segments after SOI up to the first frame header.
HeaderScan ScanJpeg(const unsigned char* b, size_t n, ImageHeader* header) {
  size_t at = 2;
  while (true) {
    if (at >= n) return HeaderScan::kNeedMore;
    if (b[at] != 0xFF) return HeaderScan::kNotAnImage;
    while (at < n && b[at] == 0xFF) ++at;  // fill bytes
    if (at >= n) return HeaderScan::kNeedMore;
    const unsigned char marker = b[at++];
    if (IsStandaloneMarker(marker)) continue;
    // Scan data, an end or a second start before any frame: not an image.
    if (marker == 0xDA || marker == 0xD9 || marker == 0xD8 || marker == 0x00) {
      return HeaderScan::kNotAnImage;
    }
    if (at + 2 > n) return HeaderScan::kNeedMore;
    const size_t length = BigEndian16(b + at);
    if (length < 2) return HeaderScan::kNotAnImage;
    if (IsFrameMarker(marker)) {
      if (length < 8) return HeaderScan::kNotAnImage;
      if (at + 7 > n) return HeaderScan::kNeedMore;
      const int64_t height = BigEndian16(b + at + 3), width = BigEndian16(b + at + 5);
      // Height 0 defers it to a DNL marker, which libjpeg does not support.
      if (width == 0 || height == 0) return HeaderScan::kNotAnImage;
      *header = {ImageFormat::kJpeg, width, height};
      return HeaderScan::kFound;
    }
    at += length;
  }
}

}  // namespace

HeaderScan ScanImageHeader(absl::string_view bytes, ImageHeader* header) {
  const auto* b = reinterpret_cast<const unsigned char*>(bytes.data());
  const size_t n = bytes.size();
  const size_t png_prefix = n < 8 ? n : 8;
  if (std::memcmp(b, kPngSignature, png_prefix) == 0) {
    return n < 8 ? HeaderScan::kNeedMore : ScanPng(b, n, header);
  }
  if (n >= 1 && b[0] == 0xFF && (n == 1 || b[1] == 0xD8)) {
    return n < 2 ? HeaderScan::kNeedMore : ScanJpeg(b, n, header);
  }
  return HeaderScan::kNotAnImage;
}

int64_t MaxEncodedBytes(const ImageHeader& header) {
  constexpr int64_t kMetadata = int64_t{1} << 20;
  if (header.pixels() > (int64_t{1} << 60) / 5) return INT64_MAX;
  return 5 * header.pixels() + kMetadata;
}

}  // namespace simclr::core
