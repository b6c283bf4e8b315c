#include "core/common/utf8.h"

#include <cstdint>

#include "absl/strings/str_format.h"

namespace simclr::core {
namespace {

// Length of the valid UTF-8 sequence starting at text[at], or 0.
size_t SequenceLength(absl::string_view text, size_t at) {
  const auto byte = [&](size_t i) { return static_cast<uint8_t>(text[at + i]); };
  const size_t left = text.size() - at;
  const uint8_t lead = byte(0);
  if (lead < 0x80) return 1;
  size_t length = 0;
  uint8_t lo = 0x80, hi = 0xBF;  // the range of the second byte
  if (lead >= 0xC2 && lead <= 0xDF) {
    length = 2;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    length = 3;
    if (lead == 0xE0) lo = 0xA0;  // overlong
    if (lead == 0xED) hi = 0x9F;  // surrogates
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    length = 4;
    if (lead == 0xF0) lo = 0x90;  // overlong
    if (lead == 0xF4) hi = 0x8F;  // > U+10FFFF
  } else {
    return 0;
  }
  if (left < length || byte(1) < lo || byte(1) > hi) return 0;
  for (size_t i = 2; i < length; ++i) {
    if ((byte(i) & 0xC0) != 0x80) return 0;
  }
  return length;
}

}  // namespace

bool IsValidUtf8(absl::string_view text) {
  for (size_t at = 0; at < text.size();) {
    const size_t length = SequenceLength(text, at);
    if (length == 0) return false;
    at += length;
  }
  return true;
}

std::string SafeText(absl::string_view text, size_t max_bytes) {
  constexpr absl::string_view kEllipsis = "…";
  const size_t budget = max_bytes < 16 ? 16 : max_bytes;
  std::string safe;
  size_t cut = 0;  // the longest prefix that leaves room for the ellipsis
  size_t at = 0;
  while (at < text.size() && safe.size() <= budget) {
    if (safe.size() <= budget - kEllipsis.size()) cut = safe.size();
    const size_t length = SequenceLength(text, at);
    if (length == 0) {
      safe += absl::StrFormat("\\x%02X", static_cast<uint8_t>(text[at]));
      ++at;
    } else {
      safe.append(text.data() + at, length);
      at += length;
    }
  }
  if (at == text.size() && safe.size() <= budget) return safe;
  if (safe.size() <= budget - kEllipsis.size()) cut = safe.size();
  safe.resize(cut);
  safe.append(kEllipsis.data(), kEllipsis.size());
  return safe;
}

}  // namespace simclr::core
