// Decoding one PNG or JPEG held in memory, with the pixel limit checked
// against the file's header before any pixel is allocated.
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

// Width × height from a PNG's IHDR or a JPEG's SOF marker; 0 when the
// header does not say (then only the decoded size can be checked).
int64_t DeclaredPixels(absl::string_view bytes);

struct DecodedImage {
  int height = 0;
  int width = 0;
  int channels = 0;             // 1 (grey) or 3 (RGB order)
  std::vector<uint8_t> pixels;  // height × width × channels, row-major HWC
};

// Decodes PNG or JPEG bytes to grey or RGB (alpha dropped).
// INVALID_ARGUMENT: "not a PNG or JPEG" for anything undecodable, or
// "W×H pixels exceed the limit of N" (checked from the header first).
absl::StatusOr<DecodedImage> DecodeImage(absl::string_view bytes,
                                         int64_t max_pixels);

}  // namespace simclr::core

#endif  // SIMCLR_CORE_DATA_ENCODED_IMAGE_H_
