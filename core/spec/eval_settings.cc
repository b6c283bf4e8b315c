#include "core/spec/eval_settings.h"

#include "core/common/field_error.h"
#include "core/common/status_macros.h"
#include "core/spec/checks.h"
#include "core/spec/data_checks.h"
#include "core/spec/model_checks.h"

namespace simclr::core {

absl::StatusOr<EvalProtocolSettings> ResolveEvalProtocol(
    const v1::EvalProtocol& protocol, const std::string& field) {
  EvalProtocolSettings s;
  const std::string fractions = Sub(field, "label_fractions");
  SIMCLR_RETURN_IF_ERROR(
      CheckCount(fractions, protocol.label_fractions_size(), 0, 16));
  s.label_fractions.assign(protocol.label_fractions().begin(),
                           protocol.label_fractions().end());
  if (s.label_fractions.empty()) s.label_fractions = {1.0, 0.2, 0.05};
  for (size_t i = 0; i < s.label_fractions.size(); ++i) {
    SIMCLR_RETURN_IF_ERROR(CheckInterval(Item(fractions, i),
                                         s.label_fractions[i], {0, 1, true}));
  }
  if (protocol.has_repeats()) s.repeats = protocol.repeats();
  SIMCLR_RETURN_IF_ERROR(CheckInt(Sub(field, "repeats"), s.repeats, 1, 100));
  return s;
}

absl::Status ValidateEvalSubject(const v1::EvalSubject& subject,
                                 const std::string& field,
                                 bool allow_raw_pixels) {
  SIMCLR_RETURN_IF_ERROR(CheckLength(Sub(field, "name"), subject.name(), 64));
  switch (subject.source_case()) {
    case v1::EvalSubject::kCheckpointId:
      if (subject.checkpoint_id().empty()) {
        return FieldError(Sub(field, "checkpoint_id"), "empty");
      }
      return CheckLength(Sub(field, "checkpoint_id"), subject.checkpoint_id(),
                         kMaxIdChars);
    case v1::EvalSubject::kCheckpointPath:
      if (subject.checkpoint_path().empty()) {
        return FieldError(Sub(field, "checkpoint_path"), "empty");
      }
      return CheckLength(Sub(field, "checkpoint_path"),
                         subject.checkpoint_path(), kMaxPathChars);
    case v1::EvalSubject::kRandomInit:
      return ValidateBuiltinEncoder(subject.random_init(),
                                    Sub(field, "random_init"));
    case v1::EvalSubject::kRawPixels:
      if (allow_raw_pixels) return absl::OkStatus();
      return FieldError(Sub(field, "raw_pixels"),
                        "raw pixels have no encoder to fine-tune; use them in "
                        "linear_eval");
    case v1::EvalSubject::kTorchscript:
      return ValidateTorchScriptEncoder(subject.torchscript(),
                                        Sub(field, "torchscript"));
    case v1::EvalSubject::kJobId:
      if (subject.job_id().empty()) return FieldError(Sub(field, "job_id"), "empty");
      return CheckLength(Sub(field, "job_id"), subject.job_id(), kMaxIdChars);
    case v1::EvalSubject::SOURCE_NOT_SET:
      break;
  }
  return FieldError(field,
                    "set checkpoint_id, checkpoint_path, random_init, "
                    "raw_pixels or torchscript");
}

absl::Status ValidateEvalSubjects(
    const google::protobuf::RepeatedPtrField<v1::EvalSubject>& subjects,
    const std::string& field, bool allow_raw_pixels) {
  SIMCLR_RETURN_IF_ERROR(CheckCount(field, subjects.size(), 1, 8));
  for (int i = 0; i < subjects.size(); ++i) {
    SIMCLR_RETURN_IF_ERROR(
        ValidateEvalSubject(subjects[i], Item(field, i), allow_raw_pixels));
  }
  return absl::OkStatus();
}

}  // namespace simclr::core
