#include "core/spec/checks.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "core/common/field_error.h"
#include "core/common/status_macros.h"
#include "core/common/utf8.h"

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
                         size_t max_bytes) {
  if (text.size() > max_bytes) {
    return FieldError(field, absl::StrCat(text.size(), " bytes; at most ",
                                          max_bytes));
  }
  if (!IsValidUtf8(text)) return FieldError(field, "not valid UTF-8");
  return absl::OkStatus();
}

namespace {

bool IsLabelKey(absl::string_view key) {
  if (key.empty() || key.size() > 63) return false;
  for (const char c : key) {
    if (!absl::ascii_islower(c) && !absl::ascii_isdigit(c) && c != '_' &&
        c != '.' && c != '-') {
      return false;
    }
  }
  return true;
}

}  // namespace

absl::Status CheckLabels(
    absl::string_view field,
    const google::protobuf::Map<std::string, std::string>& labels) {
  if (labels.size() > 32) {
    return FieldError(field, absl::StrCat(labels.size(), " entries; at most 32"));
  }
  for (const auto& [key, value] : labels) {
    if (!IsLabelKey(key)) {
      return FieldError(field, absl::StrCat("key \"", SafeText(key, 64),
                                            "\" does not match [a-z0-9_.-]{1,63}"));
    }
    SIMCLR_RETURN_IF_ERROR(
        CheckLength(absl::StrCat(field, "[", key, "]"), value, 256));
  }
  return absl::OkStatus();
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
