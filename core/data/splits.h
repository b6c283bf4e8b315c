// Deterministic splits and label fractions.
//
// Every draw uses our own Fisher-Yates over std::mt19937_64, whose output
// the C++ standard fixes, so a seed gives the same indices on every
// platform and standard library (std::shuffle and the std distributions do
// not promise that).
#ifndef SIMCLR_CORE_DATA_SPLITS_H_
#define SIMCLR_CORE_DATA_SPLITS_H_

#include <cstdint>
#include <vector>

#include "absl/status/statusor.h"

namespace simclr::core {

// 0..n-1 shuffled by `seed`.
std::vector<int64_t> ShuffledIndices(int64_t n, uint64_t seed);

// `length` indices in 0..n-1: successive permutations of 0..n-1, each with
// its own seed (the first is ShuffledIndices(n, seed)), cut at `length`.
// Fine-tuning on a label subset draws an epoch as long as the whole pool.
std::vector<int64_t> RepeatedShuffledIndices(int64_t n, int64_t length,
                                             uint64_t seed);

struct SplitIndices {
  std::vector<int64_t> train;
  std::vector<int64_t> val;
  std::vector<int64_t> test;
};

// Splits 0..n-1 into disjoint train / val / test sets covering them all.
// With labels (one per index) each class is split in the same proportions
// (stratified); without, the whole range is. Shares are rounded per class.
// INVALID_ARGUMENT if a fraction is outside [0, 1) or they sum to ≥ 1, or
// if labels are given but not one per index.
absl::StatusOr<SplitIndices> SplitTrainValTest(
    int64_t n, const std::vector<int32_t>& labels, double val_fraction,
    double test_fraction, uint64_t seed);

// A stratified subset of `indices`: round(fraction × count) of each class,
// but at least one of every class present. `labels` is indexed by the
// values in `indices`. The result keeps the classes in label order, each
// class's picks shuffled by `seed`. INVALID_ARGUMENT unless fraction is in
// (0, 1].
absl::StatusOr<std::vector<int64_t>> StratifiedSubset(
    const std::vector<int64_t>& indices, const std::vector<int32_t>& labels,
    double fraction, uint64_t seed);

}  // namespace simclr::core

#endif  // SIMCLR_CORE_DATA_SPLITS_H_
