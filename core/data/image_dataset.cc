#include "core/data/image_dataset.h"

#include <algorithm>
#include <cstring>

namespace simclr::core {

std::vector<int64_t> ClassCounts(const ImageDataset& dataset) {
  std::vector<int64_t> counts(dataset.class_names.size(), 0);
  for (const int32_t label : dataset.labels) {
    if (label >= 0 && label < static_cast<int32_t>(counts.size())) {
      ++counts[label];
    }
  }
  return counts;
}

ImageDataset Subset(const ImageDataset& dataset,
                    const std::vector<int64_t>& indices) {
  ImageDataset subset;
  subset.height = dataset.height;
  subset.width = dataset.width;
  subset.channels = dataset.channels;
  subset.class_names = dataset.class_names;
  const size_t bytes = dataset.image_bytes();
  subset.pixels.resize(indices.size() * bytes);
  if (dataset.labelled()) subset.labels.reserve(indices.size());
  for (size_t i = 0; i < indices.size(); ++i) {
    std::memcpy(subset.pixels.data() + i * bytes, dataset.image(indices[i]),
                bytes);
    if (dataset.labelled()) subset.labels.push_back(dataset.labels[indices[i]]);
  }
  return subset;
}

}  // namespace simclr::core
