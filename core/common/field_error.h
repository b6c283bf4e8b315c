// Errors about one field of a request or a job spec.
//
// The message reads "field: reason" (field a path such as
// "pretrain.optimizer.learning_rate"), and the path travels beside it as a
// status payload, so that a caller that must name the field in a typed reply
// (the worker's JobFailure event) reads it without parsing the message.
#ifndef SIMCLR_CORE_COMMON_FIELD_ERROR_H_
#define SIMCLR_CORE_COMMON_FIELD_ERROR_H_

#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace simclr::core {

// INVALID_ARGUMENT (or `code`) "field: reason", carrying the field.
absl::Status FieldError(absl::string_view field, absl::string_view reason,
                        absl::StatusCode code = absl::StatusCode::kInvalidArgument);

// The field a FieldError carries; empty for any other status.
std::string ErrorField(const absl::Status& status);

// `status` with "prefix." put before its message and its field, e.g. "spec."
// at the service edge, where the spec is a field of the request.
absl::Status PrefixField(absl::string_view prefix, const absl::Status& status);

}  // namespace simclr::core

#endif  // SIMCLR_CORE_COMMON_FIELD_ERROR_H_
