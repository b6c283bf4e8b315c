#include "core/data/splits.h"

#include <algorithm>
#include <map>
#include <set>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"

namespace simclr::core {
namespace {

using ::simclr::testing::IsOk;
using ::simclr::testing::StatusIs;

// 10 classes of 100, labels in blocks.
std::vector<int32_t> BlockLabels() {
  std::vector<int32_t> labels;
  for (int c = 0; c < 10; ++c) labels.insert(labels.end(), 100, c);
  return labels;
}

std::map<int32_t, int> Histogram(const std::vector<int64_t>& indices,
                                 const std::vector<int32_t>& labels) {
  std::map<int32_t, int> counts;
  for (const auto i : indices) ++counts[labels[i]];
  return counts;
}

TEST(ShuffledIndicesTest, IsAPermutationFixedBySeed) {
  const auto a = ShuffledIndices(1000, 7);
  EXPECT_EQ(a, ShuffledIndices(1000, 7));
  EXPECT_NE(a, ShuffledIndices(1000, 8));
  auto sorted = a;
  std::sort(sorted.begin(), sorted.end());
  for (int64_t i = 0; i < 1000; ++i) ASSERT_EQ(sorted[i], i);
  // Pinned so that a change of generator or algorithm is noticed: splits
  // recorded in old job reports must stay reproducible.
  EXPECT_THAT(std::vector<int64_t>(a.begin(), a.begin() + 5),
              ::testing::ElementsAre(232, 591, 346, 681, 237));
}

TEST(RepeatedShuffledIndicesTest, PassesArePermutationsCutAtTheLength) {
  // As long as n: exactly ShuffledIndices, so 100 % runs are unchanged.
  EXPECT_EQ(RepeatedShuffledIndices(100, 100, 3), ShuffledIndices(100, 3));
  const auto a = RepeatedShuffledIndices(100, 250, 3);
  ASSERT_EQ(a.size(), 250u);
  EXPECT_EQ(a, RepeatedShuffledIndices(100, 250, 3));
  EXPECT_EQ(std::vector<int64_t>(a.begin(), a.begin() + 100),
            ShuffledIndices(100, 3));
  for (int pass = 0; pass < 2; ++pass) {
    const std::set<int64_t> distinct(a.begin() + pass * 100,
                                     a.begin() + (pass + 1) * 100);
    EXPECT_EQ(distinct.size(), 100u) << "pass " << pass;
  }
  // Each pass has its own order, unrelated to the next epoch's (seed + 1).
  EXPECT_NE(std::vector<int64_t>(a.begin() + 100, a.begin() + 200),
            std::vector<int64_t>(a.begin(), a.begin() + 100));
  EXPECT_NE(std::vector<int64_t>(a.begin() + 100, a.begin() + 200),
            ShuffledIndices(100, 4));
  const std::set<int64_t> tail(a.begin() + 200, a.end());
  EXPECT_EQ(tail.size(), 50u);
  for (const int64_t i : a) ASSERT_TRUE(i >= 0 && i < 100) << i;
  EXPECT_TRUE(RepeatedShuffledIndices(0, 10, 3).empty());
  EXPECT_TRUE(RepeatedShuffledIndices(10, 0, 3).empty());
}

TEST(SplitTrainValTestTest, DisjointCompleteAndStratified) {
  const auto labels = BlockLabels();
  auto split = SplitTrainValTest(1000, labels, 0.1, 0.2, 3);
  ASSERT_THAT(split, IsOk());
  EXPECT_EQ(split->train.size(), 700u);
  EXPECT_EQ(split->val.size(), 100u);
  EXPECT_EQ(split->test.size(), 200u);
  std::set<int64_t> all(split->train.begin(), split->train.end());
  all.insert(split->val.begin(), split->val.end());
  all.insert(split->test.begin(), split->test.end());
  EXPECT_EQ(all.size(), 1000u);
  for (const auto& [label, count] : Histogram(split->val, labels)) {
    EXPECT_EQ(count, 10) << "class " << label;
  }
  for (const auto& [label, count] : Histogram(split->test, labels)) {
    EXPECT_EQ(count, 20) << "class " << label;
  }
  // Classes are interleaved, not in blocks.
  std::set<int32_t> first_classes;
  for (int i = 0; i < 20; ++i) first_classes.insert(labels[split->train[i]]);
  EXPECT_GT(first_classes.size(), 3u);
}

TEST(SplitTrainValTestTest, SameSeedSameSplitOtherSeedOther) {
  const auto labels = BlockLabels();
  auto a = SplitTrainValTest(1000, labels, 0.1, 0.1, 5);
  auto b = SplitTrainValTest(1000, labels, 0.1, 0.1, 5);
  auto c = SplitTrainValTest(1000, labels, 0.1, 0.1, 6);
  ASSERT_THAT(a, IsOk());
  EXPECT_EQ(a->val, b->val);
  EXPECT_NE(a->val, c->val);
}

TEST(SplitTrainValTestTest, UnlabelledAndBadArguments) {
  auto split = SplitTrainValTest(50, {}, 0.2, 0, 1);
  ASSERT_THAT(split, IsOk());
  EXPECT_EQ(split->val.size(), 10u);
  EXPECT_EQ(split->train.size(), 40u);
  EXPECT_THAT(SplitTrainValTest(10, {}, -0.1, 0, 1),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(SplitTrainValTest(10, {}, 0.5, 0.5, 1),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(SplitTrainValTest(10, {1, 2}, 0.1, 0.1, 1),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(StratifiedSubsetTest, TakesTheFractionOfEveryClass) {
  const auto labels = BlockLabels();
  std::vector<int64_t> all(1000);
  for (int64_t i = 0; i < 1000; ++i) all[i] = i;
  for (const double fraction : {1.0, 0.2, 0.05}) {
    auto subset = StratifiedSubset(all, labels, fraction, 11);
    ASSERT_THAT(subset, IsOk());
    EXPECT_EQ(subset->size(), static_cast<size_t>(1000 * fraction));
    for (const auto& [label, count] : Histogram(*subset, labels)) {
      EXPECT_EQ(count, static_cast<int>(100 * fraction)) << "class " << label;
    }
    EXPECT_EQ(std::set<int64_t>(subset->begin(), subset->end()).size(),
              subset->size());
  }
}

TEST(StratifiedSubsetTest, ReproducibleAndRepeatsDiffer) {
  const auto labels = BlockLabels();
  std::vector<int64_t> all(1000);
  for (int64_t i = 0; i < 1000; ++i) all[i] = i;
  EXPECT_EQ(*StratifiedSubset(all, labels, 0.05, 1),
            *StratifiedSubset(all, labels, 0.05, 1));
  EXPECT_NE(*StratifiedSubset(all, labels, 0.05, 1),
            *StratifiedSubset(all, labels, 0.05, 2));
}

TEST(StratifiedSubsetTest, RareClassKeepsOneExample) {
  std::vector<int32_t> labels(101, 0);
  labels[100] = 1;
  std::vector<int64_t> all(101);
  for (int64_t i = 0; i < 101; ++i) all[i] = i;
  auto subset = StratifiedSubset(all, labels, 0.05, 1);
  ASSERT_THAT(subset, IsOk());
  EXPECT_EQ(Histogram(*subset, labels)[1], 1);
}

TEST(StratifiedSubsetTest, BadArguments) {
  EXPECT_THAT(StratifiedSubset({0}, {0}, 0, 1),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(StratifiedSubset({0}, {0}, 1.5, 1),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(StratifiedSubset({0}, {}, 0.5, 1),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

}  // namespace
}  // namespace simclr::core
