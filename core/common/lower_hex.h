// Lower-case hex strings: SHA-256 digests and the hex part of the ids the
// server makes (core/common/layout.h). An id that passes is also a safe folder name.
#ifndef SIMCLR_CORE_COMMON_LOWER_HEX_H_
#define SIMCLR_CORE_COMMON_LOWER_HEX_H_

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/string_view.h"

namespace simclr::core {

inline bool IsLowerHex(absl::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
    return absl::ascii_isdigit(c) || (c >= 'a' && c <= 'f');
  });
}

}  // namespace simclr::core

#endif  // SIMCLR_CORE_COMMON_LOWER_HEX_H_
