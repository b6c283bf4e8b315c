// Readers for images stored as files, decoded with OpenCV:
//   - a class-folder tree `root/<class_name>/*.{png,jpg,jpeg}` (labels from
//     the sorted folder names),
//   - an unlabelled folder (every image below root, recursively),
//   - a CSV manifest `path,label` (paths relative to the CSV's folder;
//     labels are integers or class names).
//
// All images take the size and channel count of the first one decoded
// (others are resized with area interpolation and converted), so the result
// is one dense ImageDataset. An image that does not decode is skipped and
// counted while the skipped share stays within `max_corrupt_fraction`;
// beyond it the read fails naming the bad files. Nothing is zero-filled.
#ifndef SIMCLR_CORE_DATA_IMAGE_FILES_READER_H_
#define SIMCLR_CORE_DATA_IMAGE_FILES_READER_H_

#include <string>

#include "absl/status/statusor.h"
#include "core/data/image_dataset.h"

namespace simclr::core {

struct ImageFilesOptions {
  // 0: the channels of the first image (grey stays 1, colour becomes 3);
  // 1 or 3 converts every image.
  int channels = 0;
  // Largest share of images that may fail to decode; range [0, 0.5].
  double max_corrupt_fraction = 0;
  // Images larger than this many pixels are refused as corrupt before
  // decoding (decompression bombs).
  int64_t max_image_pixels = int64_t{1} << 26;
};

absl::StatusOr<ImageDataset> ReadImageFolder(const std::string& root,
                                             const ImageFilesOptions& options);

absl::StatusOr<ImageDataset> ReadUnlabeledFolder(
    const std::string& root, const ImageFilesOptions& options);

absl::StatusOr<ImageDataset> ReadCsvManifest(const std::string& csv_path,
                                             const ImageFilesOptions& options);

}  // namespace simclr::core

#endif  // SIMCLR_CORE_DATA_IMAGE_FILES_READER_H_
