#include "core/spec/checks.h"

#include "absl/strings/str_cat.h"
#include "core/common/field_error.h"

namespace simclr::core {

absl::Status CheckInterval(absl::string_view field, double value,
                           Interval range) {
  const bool above = range.lo_open ? value > range.lo : value >= range.lo;
  const bool below = range.hi_open ? value < range.hi : value <= range.hi;
  if (above && below) return absl::OkStatus();
  return FieldError(field, absl::StrCat(value, " is outside ",
                                        range.lo_open ? "(" : "[", range.lo,
                                        ", ", range.hi,
                                        range.hi_open ? ")" : "]"));
}

absl::Status CheckInt(absl::string_view field, int64_t value, int64_t lo,
                      int64_t hi) {
  if (value >= lo && value <= hi) return absl::OkStatus();
  return FieldError(field,
                    absl::StrCat(value, " is outside [", lo, ", ", hi, "]"));
}

absl::Status CheckAtLeast(absl::string_view field, double value, double lo,
                          bool open) {
  if (open ? value > lo : value >= lo) return absl::OkStatus();
  return FieldError(field,
                    absl::StrCat(value, " must be ", open ? "> " : "≥ ", lo));
}

absl::Status CheckCount(absl::string_view field, int64_t count, int64_t lo,
                        int64_t hi) {
  if (count >= lo && count <= hi) return absl::OkStatus();
  return FieldError(field, absl::StrCat(count, " values; need ", lo, " to ", hi));
}

absl::Status CheckLength(absl::string_view field, absl::string_view text,
                         size_t max_chars) {
  if (text.size() <= max_chars) return absl::OkStatus();
  return FieldError(field, absl::StrCat("longer than ", max_chars, " characters"));
}

absl::Status CheckEnum(absl::string_view field, int value,
                       bool (*is_valid)(int), bool allow_zero) {
  if (is_valid(value) && (allow_zero || value != 0)) return absl::OkStatus();
  return FieldError(field, value == 0 ? "required"
                                      : absl::StrCat(value, " is not a known value"));
}

std::string Sub(absl::string_view field, absl::string_view name) {
  return absl::StrCat(field, ".", name);
}

std::string Item(absl::string_view field, int64_t index) {
  return absl::StrCat(field, "[", index, "]");
}

}  // namespace simclr::core
