// Decoding one PNG or JPEG held in memory, with the format and the pixel
// limit checked from the header (core/data/image_header.h) before any
// decoder runs or any pixel is allocated.
//
// Shared by the archive importer (server) and the embedding endpoint, so
// both refuse the same decompression bombs the same way. Torch-free.
#ifndef SIMCLR_CORE_DATA_ENCODED_IMAGE_H_
#define SIMCLR_CORE_DATA_ENCODED_IMAGE_H_

#include <cstdint>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace simclr::core {

struct DecodedImage {
  int height = 0;
  int width = 0;
  int channels = 0;             // 1 (grey) or 3 (RGB order)
  std::vector<uint8_t> pixels;  // height × width × channels, row-major HWC
};

// Decodes PNG or JPEG bytes to grey or RGB (alpha dropped); `channels` 1 or
// 3 converts, 0 keeps what the file has. INVALID_ARGUMENT: "not a PNG or
// JPEG" for anything else or undecodable, "W×H pixels exceed the limit of N"
// from the header.
absl::StatusOr<DecodedImage> DecodeImage(absl::string_view bytes, int64_t max_pixels,
                                         int channels = 0);

}  // namespace simclr::core

#endif  // SIMCLR_CORE_DATA_ENCODED_IMAGE_H_
