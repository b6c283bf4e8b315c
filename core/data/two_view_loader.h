// A multi-threaded, prefetching loader of SimCLR batches: two independently
// augmented views of each image, as float NCHW tensors, and optionally
// multi-crop's small crops.
//
// Determinism: the epoch's order comes from (seed, epoch) and each view's
// augmentation from (seed, epoch, image index, view), so batches are
// identical whatever the thread count or scheduling, and an epoch can be
// resumed at any batch (exact resume after a checkpoint).
//
// The last partial batch of an epoch is yielded (sthalles/SimCLR#40) unless
// drop_last is set.
//
// Sharding: with world_size > 1, batch b of an epoch is the b-th global
// batch of world_size × batch_size images and this rank's part is its
// rank-th slice of batch_size, so the ranks' batches, concatenated in rank
// order, are one rank's batch of world_size × batch_size. A partial last
// global batch is dropped (every rank needs a full slice). Workers run ahead by at most prefetch_batches batches,
// so memory is bounded. Thread-safety: one consumer thread calls
// StartEpoch/Next; the workers are internal.
#ifndef SIMCLR_CORE_DATA_TWO_VIEW_LOADER_H_
#define SIMCLR_CORE_DATA_TWO_VIEW_LOADER_H_

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <thread>
#include <vector>

#include "ATen/core/Tensor.h"
#include "absl/synchronization/mutex.h"
#include "core/augment/view_transform.h"
#include "core/data/image_dataset.h"

namespace simclr::core {

struct TwoViewBatch {
  at::Tensor view1;    // (B, C, S, S) float32
  at::Tensor view2;    // (B, C, S, S) float32
  // Multi-crop: (K × B, C, s, s) float32, crop k of image i at row k × B +
  // i; undefined without small crops.
  at::Tensor small_crops;
  at::Tensor indices;  // (B) int64: positions in the dataset
  at::Tensor labels;   // (B) int64, or undefined when unlabelled
  int64_t epoch = 0;
  int64_t batch = 0;  // 0-based within the epoch
};

// Multi-crop: `count` extra small crops of each image through `transform`
// (its shape is the crops' size).
struct SmallCrops {
  TrainViewTransform transform;
  int count = 0;
};

class TwoViewLoader {
 public:
  struct Options {
    int64_t batch_size = 256;
    bool drop_last = false;
    int threads = 1;
    int prefetch_batches = 4;
    uint64_t seed = 0;
    int rank = 0;
    int world_size = 1;
  };

  // `dataset` must outlive the loader; `indices` selects the images used.
  TwoViewLoader(const ImageDataset* dataset, std::vector<int64_t> indices,
                TrainViewTransform transform, Options options,
                std::optional<SmallCrops> small_crops = std::nullopt);
  ~TwoViewLoader();

  TwoViewLoader(const TwoViewLoader&) = delete;
  TwoViewLoader& operator=(const TwoViewLoader&) = delete;

  // Starts (or restarts) `epoch` at batch `first_batch`; batches still
  // being prepared for an earlier epoch are discarded.
  void StartEpoch(int64_t epoch, int64_t first_batch = 0);

  // The next batch of the current epoch, or nullopt at its end.
  std::optional<TwoViewBatch> Next();

  int64_t batches_per_epoch() const;
  // Seconds Next() spent blocked waiting for workers, since construction.
  double wait_seconds() const;

 private:
  void WorkerLoop();
  TwoViewBatch Build(int64_t epoch, int64_t batch,
                     const std::vector<int64_t>& order) const;
  void AddSmallCrops(TwoViewBatch& out, const std::vector<int64_t>& order,
                     int64_t begin) const;
  bool WorkAvailable() const ABSL_SHARED_LOCKS_REQUIRED(mu_);
  bool NextBatchReady() const ABSL_SHARED_LOCKS_REQUIRED(mu_);

  const ImageDataset* dataset_;
  const std::vector<int64_t> indices_;
  const TrainViewTransform transform_;
  const std::optional<SmallCrops> small_crops_;
  const Options options_;

  mutable absl::Mutex mu_;
  // Bumped by StartEpoch so that stale work is dropped.
  int64_t generation_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t epoch_ ABSL_GUARDED_BY(mu_) = -1;
  std::shared_ptr<const std::vector<int64_t>> order_ ABSL_GUARDED_BY(mu_);
  int64_t next_to_build_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t next_to_yield_ ABSL_GUARDED_BY(mu_) = 0;
  std::map<int64_t, TwoViewBatch> ready_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  double wait_seconds_ ABSL_GUARDED_BY(mu_) = 0;

  std::vector<std::thread> workers_;
};

}  // namespace simclr::core

#endif  // SIMCLR_CORE_DATA_TWO_VIEW_LOADER_H_
