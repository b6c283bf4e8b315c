// Turns an uploaded tar or zip archive of images into the stored dataset:
// an IDX images file (N×H×W grey, or N×H×W×3 RGB) and, for class folders,
// an IDX labels file, so training never decodes a PNG or JPEG again.
//
// Labelled archives hold class_name/…/image.png: the folder holding an
// image names its class, classes are numbered in sorted name order.
// Unlabelled archives hold images anywhere. Every image is resized once to
// the first image's size and converted to its channel count (grey or RGB).
//
// Refused, naming the entry: absolute paths and ".." (path traversal),
// symlinks and hard links, devices, FIFOs and sockets, more uncompressed
// bytes than the limit (archive bombs), images over the pixel limit, and
// undecodable images beyond the allowed fraction. Two passes over the
// archive (names, then pixels) keep memory to one image at a time.
#ifndef SIMCLR_SERVER_DATASETS_ARCHIVE_IMPORT_H_
#define SIMCLR_SERVER_DATASETS_ARCHIVE_IMPORT_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace simclr::server {

struct ArchiveLimits {
  int64_t max_total_bytes = 0;   // uncompressed, all entries together
  int64_t max_image_pixels = 0;
  double max_corrupt_fraction = 0;
};

struct ArchiveImport {
  int64_t images = 0;
  int32_t height = 0, width = 0, channels = 0;
  std::vector<std::string> class_names;  // empty when unlabelled
  std::vector<int64_t> class_counts;
  int64_t corrupt = 0;
  int64_t stored_bytes = 0;
};

absl::StatusOr<ArchiveImport> ImportArchive(const std::string& archive_path,
                                            bool labelled, const std::string& dest_dir,
                                            const ArchiveLimits& limits);

}  // namespace simclr::server

#endif  // SIMCLR_SERVER_DATASETS_ARCHIVE_IMPORT_H_
