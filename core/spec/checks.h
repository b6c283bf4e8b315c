// The range, count, length and enum checks every spec validator uses. Each
// fails with a FieldError naming `field`. Torch-free.
//
// Floating-point checks are written so that NaN fails them: a check of the
// form `x < lo || x > hi` is false for NaN and would let it through.
#ifndef SIMCLR_CORE_SPEC_CHECKS_H_
#define SIMCLR_CORE_SPEC_CHECKS_H_

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/map.h"

namespace simclr::core {

// [lo, hi], with either end open.
struct Interval {
  double lo = 0;
  double hi = 0;
  bool lo_open = false;
  bool hi_open = false;
};

absl::Status CheckInterval(absl::string_view field, double value, Interval range);
absl::Status CheckInt(absl::string_view field, int64_t value, int64_t lo,
                      int64_t hi);
// value ≥ lo (or > lo with `open`), NaN refused.
absl::Status CheckAtLeast(absl::string_view field, double value, double lo,
                          bool open = false);
// Elements of a repeated field.
absl::Status CheckCount(absl::string_view field, int64_t count, int64_t lo,
                        int64_t hi);
// A string: valid UTF-8 of at most `max_bytes` bytes (a proto comment's
// "at most N chars" counts UTF-8 bytes).
absl::Status CheckLength(absl::string_view field, absl::string_view text,
                         size_t max_bytes);
// Free tags (JobSpec.labels, UploadHeader.labels, filters): at most 32
// entries, keys [a-z0-9_.-]{1,63}, values at most 256 bytes of UTF-8.
absl::Status CheckLabels(
    absl::string_view field,
    const google::protobuf::Map<std::string, std::string>& labels);
// A value the enum declares; `allow_zero` false when the field is required
// (its UNSPECIFIED value is refused).
absl::Status CheckEnum(absl::string_view field, int value,
                       bool (*is_valid)(int), bool allow_zero = true);

// "field.name" and "field[i]".
std::string Sub(absl::string_view field, absl::string_view name);
std::string Item(absl::string_view field, int64_t index);

}  // namespace simclr::core

#endif  // SIMCLR_CORE_SPEC_CHECKS_H_
