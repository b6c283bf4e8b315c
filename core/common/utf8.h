// UTF-8 for every string a client sends or simclrd echoes.
//
// proto3 `string` fields must hold valid UTF-8: a record serialized with a
// bad string does not parse again, so such a string is refused before it is
// stored (IsValidUtf8), and text quoted from client bytes (archive paths,
// file names) is made safe before it goes into a message (SafeText).
#ifndef SIMCLR_CORE_COMMON_UTF8_H_
#define SIMCLR_CORE_COMMON_UTF8_H_

#include <cstddef>
#include <string>

#include "absl/strings/string_view.h"

namespace simclr::core {

// Strict UTF-8 (RFC 3629): no overlong forms, no surrogates, ≤ U+10FFFF.
bool IsValidUtf8(absl::string_view text);

// `text` as valid UTF-8 of at most `max_bytes` bytes (≥ 16): bytes that are
// not UTF-8 become "\xNN", and a longer text is cut at a character boundary
// and ends in "…".
std::string SafeText(absl::string_view text, size_t max_bytes = 256);

}  // namespace simclr::core

#endif  // SIMCLR_CORE_COMMON_UTF8_H_
