// Reader for IDX files (the MNIST / Fashion-MNIST format), gzipped or not.
//
// Images: magic 0x00000803 (uint8, 3 dims N×H×W) or 0x00000804 (uint8,
// 4 dims N×H×W×C with C in {1, 3}). Labels: magic 0x00000801 (uint8, N).
// Everything is validated: magic, dimensions, that the images and labels
// agree on N, and that neither file is truncated or has trailing bytes.
// Errors are INVALID_ARGUMENT naming the file and the byte offset.
#ifndef SIMCLR_CORE_DATA_IDX_READER_H_
#define SIMCLR_CORE_DATA_IDX_READER_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "core/data/image_dataset.h"

namespace simclr::core {

struct IdxReadOptions {
  // Names of classes 0..K-1; labels must be < K. Empty: K = max label + 1,
  // named "0", "1", ….
  std::vector<std::string> class_names;
};

// Reads `images_path` and, unless empty, `labels_path`. Both may be .gz
// (detected from the content, not the name).
absl::StatusOr<ImageDataset> ReadIdxDataset(const std::string& images_path,
                                            const std::string& labels_path,
                                            const IdxReadOptions& options = {});

}  // namespace simclr::core

#endif  // SIMCLR_CORE_DATA_IDX_READER_H_
