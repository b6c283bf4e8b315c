// The IDX importer of uploads (server/datasets/idx_import.h). Input: one
// flag byte (odd: with labels), a big-endian uint32 length of the images
// file, the images file, then the labels file (either may be gzipped), as
// a client uploads them.
#include <algorithm>
#include <cstddef>
#include <cstdint>

#include "fuzz/fuzz_temp_file.h"
#include "server/datasets/idx_import.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 5) return 0;
  const size_t declared = (size_t{data[1]} << 24) | (size_t{data[2]} << 16) |
                          (size_t{data[3]} << 8) | data[4];
  const uint8_t* payload = data + 5;
  const size_t images_size = std::min(declared, size - 5);
  const std::string images = simclr::fuzz::WriteFuzzFile("images", payload, images_size);
  const std::string labels = simclr::fuzz::WriteFuzzFile(
      "labels", payload + images_size, size - 5 - images_size);
  const std::string dest = simclr::fuzz::FreshFuzzSubfolder("dest");
  simclr::server::ImportIdx(images, data[0] % 2 ? labels : "", dest, int64_t{1} << 20)
      .IgnoreError();
  return 0;
}
