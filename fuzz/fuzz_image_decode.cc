// The header check and decoder every uploaded and embedded image goes
// through (core/data/image_header.h, encoded_image.h). Checks that a found
// header agrees with what the decoder produced.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "absl/strings/string_view.h"
#include "core/data/encoded_image.h"
#include "core/data/image_header.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const absl::string_view bytes(reinterpret_cast<const char*>(data), size);
  simclr::core::ImageHeader header;
  const auto scan = simclr::core::ScanImageHeader(bytes, &header);
  if (scan == simclr::core::HeaderScan::kFound && (header.width <= 0 || header.height <= 0)) {
    std::abort();
  }
  for (int channels : {0, 1, 3}) {
    auto decoded = simclr::core::DecodeImage(bytes, 1 << 20, channels);
    if (!decoded.ok()) continue;
    // Decoded means the header was found, within the limit, and honoured.
    if (scan != simclr::core::HeaderScan::kFound || header.pixels() > (1 << 20) ||
        int64_t{decoded->height} * decoded->width != header.pixels() ||
        decoded->pixels.size() !=
            static_cast<size_t>(decoded->height) * decoded->width * decoded->channels) {
      std::abort();
    }
  }
  return 0;
}
