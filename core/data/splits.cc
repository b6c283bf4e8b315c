#include "core/data/splits.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <numeric>
#include <random>

#include "absl/strings/str_cat.h"

namespace simclr::core {
namespace {

// Uniform in [0, bound) from a 64-bit draw, by multiply-shift.
uint64_t Below(std::mt19937_64& rng, uint64_t bound) {
  return static_cast<uint64_t>(
      (static_cast<unsigned __int128>(rng()) * bound) >> 64);
}

void Shuffle(std::vector<int64_t>& values, std::mt19937_64& rng) {
  for (size_t i = values.size(); i > 1; --i) {
    std::swap(values[i - 1], values[Below(rng, i)]);
  }
}

// Groups `indices` by label (one group for unlabelled data), keeping order.
std::map<int32_t, std::vector<int64_t>> ByClass(
    const std::vector<int64_t>& indices, const std::vector<int32_t>& labels) {
  std::map<int32_t, std::vector<int64_t>> groups;
  for (const int64_t index : indices) {
    groups[labels.empty() ? 0 : labels[index]].push_back(index);
  }
  return groups;
}

}  // namespace

std::vector<int64_t> ShuffledIndices(int64_t n, uint64_t seed) {
  std::vector<int64_t> indices(static_cast<size_t>(std::max<int64_t>(n, 0)));
  std::iota(indices.begin(), indices.end(), 0);
  std::mt19937_64 rng(seed);
  Shuffle(indices, rng);
  return indices;
}

std::vector<int64_t> RepeatedShuffledIndices(int64_t n, int64_t length,
                                             uint64_t seed) {
  std::vector<int64_t> indices;
  if (n <= 0 || length <= 0) return indices;
  indices.reserve(static_cast<size_t>(length));
  // Golden-ratio steps keep a pass's seed apart from seed + 1, the seed a
  // caller typically gives the next epoch.
  for (uint64_t pass = 0; static_cast<int64_t>(indices.size()) < length;
       ++pass) {
    const std::vector<int64_t> permutation =
        ShuffledIndices(n, seed + pass * 0x9E3779B97F4A7C15ULL);
    const size_t take = std::min(permutation.size(),
                                 static_cast<size_t>(length) - indices.size());
    indices.insert(indices.end(), permutation.begin(),
                   permutation.begin() + static_cast<std::ptrdiff_t>(take));
  }
  return indices;
}

absl::StatusOr<SplitIndices> SplitTrainValTest(
    int64_t n, const std::vector<int32_t>& labels, double val_fraction,
    double test_fraction, uint64_t seed) {
  if (!(val_fraction >= 0 && val_fraction < 1) ||
      !(test_fraction >= 0 && test_fraction < 1) ||
      val_fraction + test_fraction >= 1) {
    return absl::InvalidArgumentError(absl::StrCat(
        "val_fraction ", val_fraction, " and test_fraction ", test_fraction,
        ": each must be in [0, 1) and their sum below 1"));
  }
  if (!labels.empty() && static_cast<int64_t>(labels.size()) != n) {
    return absl::InvalidArgumentError(
        absl::StrCat(labels.size(), " labels for ", n, " examples"));
  }
  std::vector<int64_t> all(static_cast<size_t>(n));
  std::iota(all.begin(), all.end(), 0);
  std::mt19937_64 rng(seed);
  SplitIndices split;
  for (auto& [label, members] : ByClass(all, labels)) {
    Shuffle(members, rng);
    const auto count = static_cast<double>(members.size());
    const auto n_test =
        static_cast<size_t>(std::llround(count * test_fraction));
    const auto n_val = static_cast<size_t>(std::llround(count * val_fraction));
    const auto val_end = std::min(members.size(), n_test + n_val);
    split.test.insert(split.test.end(), members.begin(),
                      members.begin() + std::min(n_test, members.size()));
    split.val.insert(split.val.end(),
                     members.begin() + std::min(n_test, members.size()),
                     members.begin() + val_end);
    split.train.insert(split.train.end(), members.begin() + val_end,
                       members.end());
  }
  // Interleave classes so that a prefix of a split is not one class.
  Shuffle(split.train, rng);
  Shuffle(split.val, rng);
  Shuffle(split.test, rng);
  return split;
}

absl::StatusOr<std::vector<int64_t>> StratifiedSubset(
    const std::vector<int64_t>& indices, const std::vector<int32_t>& labels,
    double fraction, uint64_t seed) {
  if (!(fraction > 0 && fraction <= 1)) {
    return absl::InvalidArgumentError(
        absl::StrCat("label fraction ", fraction, ": must be in (0, 1]"));
  }
  if (labels.empty()) {
    return absl::InvalidArgumentError(
        "a stratified subset needs labelled data");
  }
  std::mt19937_64 rng(seed);
  std::vector<int64_t> subset;
  for (auto& [label, members] : ByClass(indices, labels)) {
    Shuffle(members, rng);
    const auto take = std::max<size_t>(
        1, static_cast<size_t>(
               std::llround(static_cast<double>(members.size()) * fraction)));
    subset.insert(subset.end(), members.begin(),
                  members.begin() + std::min(take, members.size()));
  }
  return subset;
}

}  // namespace simclr::core
