// Keeps every string of a message re-parseable.
//
// A proto3 `string` that is not valid UTF-8 serializes but does not parse
// again, so one such string in a stored record would break every List that
// reads it. Records and worker events pass through here before they are
// stored or sent. Torch-free.
#ifndef SIMCLR_CORE_COMMON_PROTO_STRINGS_H_
#define SIMCLR_CORE_COMMON_PROTO_STRINGS_H_

#include <cstddef>

#include "google/protobuf/message.h"

namespace simclr::core {

// Replaces each `string` field (nested, repeated and map entries too) that
// is not valid UTF-8 or is longer than `max_bytes` with core::SafeText of
// it. Returns how many it replaced; `bytes` fields are left alone.
int SanitizeStrings(google::protobuf::Message& message, size_t max_bytes);

// Whether SanitizeStrings would change nothing (read-only, no copy): the
// stores serialize a record as it is when it is clean, which it nearly
// always is.
bool StringsAreClean(const google::protobuf::Message& message, size_t max_bytes);

}  // namespace simclr::core

#endif  // SIMCLR_CORE_COMMON_PROTO_STRINGS_H_
