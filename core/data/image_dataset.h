// An in-memory image dataset: decoded uint8 pixels plus optional labels.
//
// Every reader (IDX, image folders, CSV manifests) produces this one type,
// and the loader, splits and evaluations consume it. Torch-free, so readers
// and their tests compile fast. Not thread-safe for writes; concurrent reads
// are fine.
#ifndef SIMCLR_CORE_DATA_IMAGE_DATASET_H_
#define SIMCLR_CORE_DATA_IMAGE_DATASET_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace simclr::core {

struct ImageDataset {
  int height = 0;
  int width = 0;
  // 1 (grey) or 3 (RGB, in that order).
  int channels = 0;
  // size() images of height × width × channels bytes each, row-major HWC.
  std::vector<uint8_t> pixels;
  // Empty when unlabelled; otherwise one label in [0, num_classes()) per
  // image.
  std::vector<int32_t> labels;
  // Names of classes 0..K-1; empty when unlabelled.
  std::vector<std::string> class_names;
  // Images the reader could not decode and skipped (never zero-filled).
  int64_t corrupt_skipped = 0;

  size_t image_bytes() const {
    return static_cast<size_t>(height) * width * channels;
  }
  int64_t size() const {
    const size_t bytes = image_bytes();
    return bytes == 0 ? 0 : static_cast<int64_t>(pixels.size() / bytes);
  }
  bool labelled() const { return !labels.empty(); }
  int num_classes() const { return static_cast<int>(class_names.size()); }
  const uint8_t* image(int64_t index) const {
    return pixels.data() + static_cast<size_t>(index) * image_bytes();
  }
};

// Images per class (index = label); empty when unlabelled.
std::vector<int64_t> ClassCounts(const ImageDataset& dataset);

// A new dataset holding `indices` of `dataset`, in that order.
ImageDataset Subset(const ImageDataset& dataset,
                    const std::vector<int64_t>& indices);

}  // namespace simclr::core

#endif  // SIMCLR_CORE_DATA_IMAGE_DATASET_H_
