// Fashion-MNIST for the benchmarks: Debian's copy (dataset-fashion-mnist),
// its first n images as the evaluation jobs' normalised pixels, and their
// labels.
#ifndef SIMCLR_BENCH_FASHION_MNIST_H_
#define SIMCLR_BENCH_FASHION_MNIST_H_

#include <cstdint>
#include <iostream>
#include <optional>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "core/data/idx_reader.h"
#include "core/inference/features.h"
#include "torch/torch.h"

namespace simclr::bench {

inline constexpr char kFashionMnistDir[] = "/usr/share/datasets/fashion-mnist/";

struct FashionMnist {
  core::ImageDataset train, test;
};

// Both splits, or nullopt after saying on stderr what could not be read.
inline std::optional<FashionMnist> LoadFashionMnist() {
  auto read = [](const char* images, const char* labels) {
    return core::ReadIdxDataset(absl::StrCat(kFashionMnistDir, images),
                                absl::StrCat(kFashionMnistDir, labels));
  };
  auto train = read("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz");
  auto test = read("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz");
  if (!train.ok() || !test.ok()) {
    std::cerr << "cannot read Fashion-MNIST from " << kFashionMnistDir << ": "
              << (train.ok() ? test.status() : train.status()) << "\n";
    return std::nullopt;
  }
  return FashionMnist{*std::move(train), *std::move(test)};
}

// The first n images, normalised as the evaluation specs do, flattened.
inline at::Tensor FirstPixels(const core::ImageDataset& data, int64_t n) {
  std::vector<int64_t> indices(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) indices[static_cast<size_t>(i)] = i;
  const core::InputShape shape{28, 1, {0.286f}, {0.353f}};
  return core::EvalInputs(data, indices.data(), n, shape).flatten(1);
}

inline at::Tensor FirstLabels(const core::ImageDataset& data, int64_t n) {
  return torch::tensor(
      std::vector<int64_t>(data.labels.begin(), data.labels.begin() + n),
      torch::kInt64);
}

}  // namespace simclr::bench

#endif  // SIMCLR_BENCH_FASHION_MNIST_H_
