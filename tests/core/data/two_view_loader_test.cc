#include "core/data/two_view_loader.h"

#include <algorithm>
#include <set>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "torch/torch.h"

namespace simclr::core {
namespace {

// n distinct 12×12 grey images labelled i % 3.
ImageDataset Synthetic(int n) {
  ImageDataset dataset;
  dataset.height = dataset.width = 12;
  dataset.channels = 1;
  dataset.class_names = {"a", "b", "c"};
  for (int i = 0; i < n; ++i) {
    for (int p = 0; p < 144; ++p) {
      dataset.pixels.push_back(static_cast<uint8_t>((i * 37 + p * 11) % 256));
    }
    dataset.labels.push_back(i % 3);
  }
  return dataset;
}

TrainViewTransform Transform() {
  InputShape shape;
  shape.size = 10;
  shape.channels = 1;
  shape.mean = {0.5f};
  shape.std = {0.5f};
  return TrainViewTransform(*ResolveAugmentParams({}), shape);
}

std::vector<TwoViewBatch> Epoch(TwoViewLoader& loader, int64_t epoch,
                                int64_t first_batch = 0) {
  loader.StartEpoch(epoch, first_batch);
  std::vector<TwoViewBatch> batches;
  while (auto batch = loader.Next()) batches.push_back(std::move(*batch));
  return batches;
}

std::vector<int64_t> All(int n) {
  std::vector<int64_t> all(n);
  for (int i = 0; i < n; ++i) all[i] = i;
  return all;
}

TEST(TwoViewLoaderTest, YieldsThePartialLastBatchUnlessDropLast) {
  const ImageDataset dataset = Synthetic(10);
  TwoViewLoader keep(&dataset, All(10), Transform(), {.batch_size = 4});
  const auto batches = Epoch(keep, 0);
  ASSERT_EQ(batches.size(), 3u);
  EXPECT_EQ(batches[2].view1.size(0), 2);
  EXPECT_EQ(batches[0].view1.sizes(), (std::vector<int64_t>{4, 1, 10, 10}));

  TwoViewLoader drop(&dataset, All(10), Transform(),
                     {.batch_size = 4, .drop_last = true});
  EXPECT_EQ(drop.batches_per_epoch(), 2);
  EXPECT_EQ(Epoch(drop, 0).size(), 2u);
}

TEST(TwoViewLoaderTest, EachSelectedImageOncePerEpochWithItsLabel) {
  const ImageDataset dataset = Synthetic(30);
  std::vector<int64_t> subset = {1, 4, 7, 10, 13, 16, 19, 22, 25};
  TwoViewLoader loader(&dataset, subset, Transform(),
                       {.batch_size = 4, .threads = 2});
  std::multiset<int64_t> seen;
  for (const auto& batch : Epoch(loader, 3)) {
    for (int64_t i = 0; i < batch.indices.size(0); ++i) {
      const int64_t index = batch.indices[i].item<int64_t>();
      seen.insert(index);
      EXPECT_EQ(batch.labels[i].item<int64_t>(), index % 3);
    }
  }
  EXPECT_EQ(seen, std::multiset<int64_t>(subset.begin(), subset.end()));
}

TEST(TwoViewLoaderTest, IdenticalWhateverTheThreadCount) {
  const ImageDataset dataset = Synthetic(40);
  TwoViewLoader one(&dataset, All(40), Transform(),
                    {.batch_size = 8, .threads = 1, .seed = 5});
  TwoViewLoader three(
      &dataset, All(40), Transform(),
      {.batch_size = 8, .threads = 3, .prefetch_batches = 2, .seed = 5});
  const auto a = Epoch(one, 2);
  const auto b = Epoch(three, 2);
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) {
    EXPECT_TRUE(torch::equal(a[i].indices, b[i].indices));
    EXPECT_TRUE(torch::equal(a[i].view1, b[i].view1));
    EXPECT_TRUE(torch::equal(a[i].view2, b[i].view2));
  }
}

TEST(TwoViewLoaderTest, ViewsAreTheTransformOfTheirImageWithTheirOwnKeys) {
  const ImageDataset dataset = Synthetic(6);
  const TrainViewTransform transform = Transform();
  TwoViewLoader loader(&dataset, All(6), transform,
                       {.batch_size = 6, .seed = 9});
  const auto batch = Epoch(loader, 1).at(0);
  EXPECT_FALSE(torch::equal(batch.view1, batch.view2));
  const int64_t index = batch.indices[0].item<int64_t>();
  std::vector<float> expected(100);
  AugmentRng rng(9, 1, index, 1);
  transform.Apply({dataset.image(index), 12, 12, 1}, rng, expected.data());
  EXPECT_TRUE(torch::equal(batch.view2[0].flatten(), torch::tensor(expected)));
}

TEST(TwoViewLoaderTest, SmallCropsAreCropMajorWithTheirOwnKeysAndSize) {
  const ImageDataset dataset = Synthetic(6);
  InputShape small_shape = Transform().shape();
  small_shape.size = 8;
  AugmentParams params = *ResolveAugmentParams({});
  params.scale_min = 0.1f;
  params.scale_max = 0.3f;
  const TrainViewTransform small(params, small_shape);
  TwoViewLoader loader(&dataset, All(6), Transform(), {.batch_size = 4, .seed = 9},
                       SmallCrops{small, 3});
  const auto batches = Epoch(loader, 2);
  ASSERT_EQ(batches.size(), 2u);
  const TwoViewBatch& batch = batches[1];  // the partial one: 2 images
  ASSERT_EQ(batch.small_crops.sizes(), (std::vector<int64_t>{3 * 2, 1, 8, 8}));
  std::set<std::vector<float>> distinct;
  for (int k = 0; k < 3; ++k) {
    for (int i = 0; i < 2; ++i) {
      const int64_t index = batch.indices[i].item<int64_t>();
      std::vector<float> expected(64);
      AugmentRng rng(9, 2, index, 2 + k);
      small.Apply({dataset.image(index), 12, 12, 1}, rng, expected.data());
      EXPECT_TRUE(torch::equal(batch.small_crops[k * 2 + i].flatten(), torch::tensor(expected)))
          << "crop " << k << " of image " << i;
      distinct.insert(expected);
    }
  }
  EXPECT_EQ(distinct.size(), 6u);
  TwoViewLoader plain(&dataset, All(6), Transform(), {.batch_size = 4, .seed = 9});
  EXPECT_FALSE(Epoch(plain, 2).at(0).small_crops.defined());
}

TEST(TwoViewLoaderTest, EpochsReshuffleAndResumeMidEpochMatches) {
  const ImageDataset dataset = Synthetic(40);
  TwoViewLoader loader(&dataset, All(40), Transform(),
                       {.batch_size = 8, .threads = 2});
  const auto epoch0 = Epoch(loader, 0);
  const auto epoch1 = Epoch(loader, 1);
  EXPECT_FALSE(torch::equal(epoch0[0].indices, epoch1[0].indices));
  // Abandon an epoch half-way, then resume epoch 1 at batch 3.
  loader.StartEpoch(0);
  loader.Next();
  const auto resumed = Epoch(loader, 1, 3);
  ASSERT_EQ(resumed.size(), epoch1.size() - 3);
  for (size_t i = 0; i < resumed.size(); ++i) {
    EXPECT_EQ(resumed[i].batch, static_cast<int64_t>(i + 3));
    EXPECT_TRUE(torch::equal(resumed[i].view1, epoch1[i + 3].view1));
  }
}

}  // namespace
}  // namespace simclr::core
