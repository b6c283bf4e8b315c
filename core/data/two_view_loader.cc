#include "core/data/two_view_loader.h"

#include <algorithm>
#include <chrono>
#include <utility>

#include "core/augment/augment_rng.h"
#include "core/data/splits.h"
#include "torch/torch.h"

namespace simclr::core {

TwoViewLoader::TwoViewLoader(const ImageDataset* dataset,
                             std::vector<int64_t> indices,
                             TrainViewTransform transform, Options options,
                             std::optional<SmallCrops> small_crops)
    : dataset_(dataset),
      indices_(std::move(indices)),
      transform_(std::move(transform)),
      small_crops_(std::move(small_crops)),
      options_(options) {
  const int threads = std::max(1, options_.threads);
  for (int i = 0; i < threads; ++i)
    workers_.emplace_back([this] { WorkerLoop(); });
}

TwoViewLoader::~TwoViewLoader() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  for (auto& worker : workers_) worker.join();
}

int64_t TwoViewLoader::batches_per_epoch() const {
  const auto n = static_cast<int64_t>(indices_.size());
  const int64_t b = options_.batch_size;
  if (options_.world_size > 1) return n / (b * options_.world_size);
  return options_.drop_last ? n / b : (n + b - 1) / b;
}

double TwoViewLoader::wait_seconds() const {
  absl::MutexLock lock(&mu_);
  return wait_seconds_;
}

void TwoViewLoader::StartEpoch(int64_t epoch, int64_t first_batch) {
  // The epoch's order: a permutation of the selected images.
  const std::vector<int64_t> permutation = ShuffledIndices(
      static_cast<int64_t>(indices_.size()),
      options_.seed * 0x9e3779b97f4a7c15ull + static_cast<uint64_t>(epoch));
  auto order = std::make_shared<std::vector<int64_t>>();
  order->reserve(permutation.size());
  for (const int64_t position : permutation)
    order->push_back(indices_[position]);

  absl::MutexLock lock(&mu_);
  ++generation_;
  epoch_ = epoch;
  order_ = std::move(order);
  ready_.clear();
  next_to_build_ = next_to_yield_ = first_batch;
}

bool TwoViewLoader::WorkAvailable() const {
  return stopping_ ||
         (order_ != nullptr && next_to_build_ < batches_per_epoch() &&
          next_to_build_ <
              next_to_yield_ + std::max(1, options_.prefetch_batches));
}

bool TwoViewLoader::NextBatchReady() const {
  return ready_.count(next_to_yield_) > 0;
}

std::optional<TwoViewBatch> TwoViewLoader::Next() {
  absl::MutexLock lock(&mu_);
  if (epoch_ < 0 || next_to_yield_ >= batches_per_epoch()) return std::nullopt;
  const auto start = std::chrono::steady_clock::now();
  mu_.Await(absl::Condition(this, &TwoViewLoader::NextBatchReady));
  wait_seconds_ +=
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
          .count();
  auto node = ready_.extract(next_to_yield_++);
  return std::move(node.mapped());
}

void TwoViewLoader::WorkerLoop() {
  for (;;) {
    int64_t generation, epoch, batch;
    std::shared_ptr<const std::vector<int64_t>> order;
    {
      absl::MutexLock lock(&mu_);
      mu_.Await(absl::Condition(this, &TwoViewLoader::WorkAvailable));
      if (stopping_) return;
      generation = generation_;
      epoch = epoch_;
      batch = next_to_build_++;
      order = order_;
    }
    TwoViewBatch built = Build(epoch, batch, *order);
    absl::MutexLock lock(&mu_);
    if (generation == generation_) ready_.emplace(batch, std::move(built));
  }
}

TwoViewBatch TwoViewLoader::Build(int64_t epoch, int64_t batch,
                                  const std::vector<int64_t>& order) const {
  const int64_t begin = (batch * options_.world_size + options_.rank) * options_.batch_size;
  const int64_t size = std::min<int64_t>(
      options_.batch_size, static_cast<int64_t>(order.size()) - begin);
  const InputShape& shape = transform_.shape();
  const auto float_options = torch::TensorOptions().dtype(torch::kFloat32);
  TwoViewBatch out;
  out.epoch = epoch;
  out.batch = batch;
  out.view1 = torch::empty({size, shape.channels, shape.size, shape.size},
                           float_options);
  out.view2 = torch::empty_like(out.view1);
  out.indices = torch::empty({size}, torch::kInt64);
  if (dataset_->labelled()) out.labels = torch::empty({size}, torch::kInt64);
  int64_t* indices = out.indices.data_ptr<int64_t>();
  int64_t* labels =
      dataset_->labelled() ? out.labels.data_ptr<int64_t>() : nullptr;
  float* view1 = out.view1.data_ptr<float>();
  float* view2 = out.view2.data_ptr<float>();
  const size_t values = shape.values();
  for (int64_t i = 0; i < size; ++i) {
    const int64_t index = order[begin + i];
    const StoredImage image{dataset_->image(index), dataset_->height,
                            dataset_->width, dataset_->channels};
    AugmentRng first(options_.seed, epoch, index, 0);
    AugmentRng second(options_.seed, epoch, index, 1);
    transform_.Apply(image, first, view1 + i * values);
    transform_.Apply(image, second, view2 + i * values);
    indices[i] = index;
    if (labels != nullptr) labels[i] = dataset_->labels[index];
  }
  if (small_crops_ && small_crops_->count > 0) AddSmallCrops(out, order, begin);
  return out;
}

void TwoViewLoader::AddSmallCrops(TwoViewBatch& out, const std::vector<int64_t>& order,
                                  int64_t begin) const {
  const int64_t size = out.view1.size(0);
  const InputShape& shape = small_crops_->transform.shape();
  out.small_crops = torch::empty({small_crops_->count * size, shape.channels, shape.size,
                                  shape.size}, torch::kFloat32);
  float* crops = out.small_crops.data_ptr<float>();
  const size_t values = shape.values();
  for (int64_t i = 0; i < size; ++i) {
    const int64_t index = order[begin + i];
    const StoredImage image{dataset_->image(index), dataset_->height, dataset_->width,
                            dataset_->channels};
    for (int k = 0; k < small_crops_->count; ++k) {
      // Views 0 and 1 are the two large ones.
      AugmentRng rng(options_.seed, out.epoch, index, 2 + k);
      small_crops_->transform.Apply(image, rng, crops + (k * size + i) * values);
    }
  }
}

}  // namespace simclr::core
