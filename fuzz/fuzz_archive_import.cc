// The archive importer of uploads (server/datasets/archive_import.h): the
// input is the tar or zip a client uploads; its first byte picks labelled
// (class folders) or not.
#include <cstddef>
#include <cstdint>

#include "fuzz/fuzz_temp_file.h"
#include "server/datasets/archive_import.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  const std::string archive = simclr::fuzz::WriteFuzzFile("upload", data + 1, size - 1);
  const std::string dest = simclr::fuzz::FreshFuzzSubfolder("dest");
  simclr::server::ArchiveLimits limits;
  limits.max_total_bytes = 16 << 20;
  limits.max_image_pixels = 1 << 20;
  limits.max_corrupt_fraction = (data[0] >> 1) % 2 ? 0.5 : 0;
  simclr::server::ImportArchive(archive, data[0] % 2 == 1, dest, limits).IgnoreError();
  return 0;
}
