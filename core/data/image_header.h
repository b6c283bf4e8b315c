// What an encoded image is, from its first bytes, before any decoder runs.
//
// Only PNG and JPEG are images here: OpenCV would also decode BMP, TIFF,
// WebP, PPM, Sun raster, HDR and more, each with its own header and its
// own bugs, so anything else is refused by its signature. The size comes
// from the PNG's IHDR or the JPEG's first frame header (the ones libpng and
// libjpeg allocate by), so the pixel limit is known before a pixel is.
// Torch- and OpenCV-free.
#ifndef SIMCLR_CORE_DATA_IMAGE_HEADER_H_
#define SIMCLR_CORE_DATA_IMAGE_HEADER_H_

#include <cstdint>

#include "absl/strings/string_view.h"

namespace simclr::core {

enum class ImageFormat { kPng, kJpeg };

struct ImageHeader {
  ImageFormat format = ImageFormat::kPng;
  int64_t width = 0;
  int64_t height = 0;
  int64_t pixels() const { return width * height; }
};

enum class HeaderScan {
  kFound,       // *header is set
  kNeedMore,    // `bytes` end before the header does
  kNotAnImage,  // not a PNG or JPEG, or a malformed or empty header
};

// `bytes` is a prefix (or all) of the encoded file.
HeaderScan ScanImageHeader(absl::string_view bytes, ImageHeader* header);

// The most bytes a PNG or JPEG of `header`'s size plausibly takes: 5 bytes
// a pixel (uncompressed 8-bit RGBA plus filter and deflate framing) and
// 1 MiB of metadata (EXIF, ICC profiles). Readers stop past it.
int64_t MaxEncodedBytes(const ImageHeader& header);

}  // namespace simclr::core

#endif  // SIMCLR_CORE_DATA_IMAGE_HEADER_H_
