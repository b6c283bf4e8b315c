#include "core/common/field_error.h"

#include "absl/strings/cord.h"
#include "absl/strings/str_cat.h"

namespace simclr::core {
namespace {

constexpr char kFieldPayload[] = "type.simclr.v1/field";

}  // namespace

absl::Status FieldError(absl::string_view field, absl::string_view reason,
                        absl::StatusCode code) {
  absl::Status status(code, absl::StrCat(field, ": ", reason));
  status.SetPayload(kFieldPayload, absl::Cord(field));
  return status;
}

std::string ErrorField(const absl::Status& status) {
  const auto field = status.GetPayload(kFieldPayload);
  return field ? std::string(*field) : std::string();
}

absl::Status PrefixField(absl::string_view prefix, const absl::Status& status) {
  if (status.ok()) return status;
  absl::Status prefixed(status.code(),
                        absl::StrCat(prefix, ".", status.message()));
  if (const std::string field = ErrorField(status); !field.empty()) {
    prefixed.SetPayload(kFieldPayload, absl::Cord(absl::StrCat(prefix, ".", field)));
  }
  return prefixed;
}

}  // namespace simclr::core
