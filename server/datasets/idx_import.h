// Turns an uploaded IDX pair (gzipped or not) into the stored dataset:
// uncompressed images.idx / labels.idx, which already are the compact
// uint8 tensor cache the worker reads without decoding anything. Streams
// with a fixed buffer, so memory stays flat whatever the size, and checks
// every header and byte count on the way.
#ifndef SIMCLR_SERVER_DATASETS_IDX_IMPORT_H_
#define SIMCLR_SERVER_DATASETS_IDX_IMPORT_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace simclr::server {

struct IdxImport {
  int64_t images = 0;
  int32_t height = 0, width = 0;
  bool labelled = false;
  std::vector<int64_t> class_counts;  // by label, 0..max label
  int64_t stored_bytes = 0;
};

// `labels_in` may be empty (unlabelled). INVALID_ARGUMENT naming the file
// ("images" or "labels") and what is wrong: not IDX, wrong magic, sizes
// that disagree, more than `max_image_pixels` per image.
absl::StatusOr<IdxImport> ImportIdx(const std::string& images_in,
                                    const std::string& labels_in,
                                    const std::string& dest_dir,
                                    int64_t max_image_pixels);

}  // namespace simclr::server

#endif  // SIMCLR_SERVER_DATASETS_IDX_IMPORT_H_
