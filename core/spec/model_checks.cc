#include "core/spec/model_checks.h"

#include "core/common/field_error.h"
#include "core/common/status_macros.h"
#include "core/spec/checks.h"
#include "core/spec/data_checks.h"

namespace simclr::core {
namespace {

absl::Status ValidateWidths(const google::protobuf::RepeatedField<int32_t>& widths,
                            int max_count, const std::string& field) {
  SIMCLR_RETURN_IF_ERROR(CheckCount(field, widths.size(), 0, max_count));
  for (int i = 0; i < widths.size(); ++i) {
    SIMCLR_RETURN_IF_ERROR(CheckInt(Item(field, i), widths[i], 1, 16384));
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status ValidateBuiltinEncoder(const v1::BuiltinEncoder& encoder,
                                    const std::string& field) {
  SIMCLR_RETURN_IF_ERROR(CheckEnum(Sub(field, "arch"), encoder.arch(),
                                   v1::Architecture_IsValid,
                                   /*allow_zero=*/false));
  SIMCLR_RETURN_IF_ERROR(
      CheckEnum(Sub(field, "stem"), encoder.stem(), v1::Stem_IsValid));
  if (encoder.has_feature_channels()) {
    if (encoder.arch() != v1::ARCHITECTURE_SMALL_CNN) {
      return FieldError(Sub(field, "feature_channels"), "only for ARCHITECTURE_SMALL_CNN");
    }
    SIMCLR_RETURN_IF_ERROR(
        CheckInt(Sub(field, "feature_channels"), encoder.feature_channels(), 8, 4096));
  }
  if (!encoder.has_width_multiplier()) return absl::OkStatus();
  return CheckInterval(Sub(field, "width_multiplier"),
                       encoder.width_multiplier(), {0.25, 4});
}

absl::Status ValidateTorchScriptEncoder(const v1::TorchScriptEncoder& encoder,
                                        const std::string& field) {
  switch (encoder.module_case()) {
    case v1::TorchScriptEncoder::kPath:
      if (encoder.path().empty()) return FieldError(Sub(field, "path"), "empty");
      return CheckLength(Sub(field, "path"), encoder.path(), kMaxPathChars);
    case v1::TorchScriptEncoder::kModuleBytes:
      if (encoder.module_bytes().empty()) {
        return FieldError(Sub(field, "module_bytes"), "empty");
      }
      if (encoder.module_bytes().size() > kMaxModuleBytes) {
        return FieldError(Sub(field, "module_bytes"), "larger than 64 MiB");
      }
      return absl::OkStatus();
    case v1::TorchScriptEncoder::kModelId:
      if (encoder.model_id().empty()) return FieldError(Sub(field, "model_id"), "empty");
      return CheckLength(Sub(field, "model_id"), encoder.model_id(), kMaxIdChars);
    case v1::TorchScriptEncoder::MODULE_NOT_SET:
      break;
  }
  return FieldError(field, "set path, module_bytes or model_id");
}

absl::Status ValidateEncoderConfig(const v1::EncoderConfig& encoder,
                                   const std::string& field) {
  switch (encoder.source_case()) {
    case v1::EncoderConfig::kBuiltin:
      return ValidateBuiltinEncoder(encoder.builtin(), Sub(field, "builtin"));
    case v1::EncoderConfig::kTorchscript:
      return ValidateTorchScriptEncoder(encoder.torchscript(),
                                        Sub(field, "torchscript"));
    case v1::EncoderConfig::kCheckpointId:
      if (encoder.checkpoint_id().empty()) {
        return FieldError(Sub(field, "checkpoint_id"), "empty");
      }
      return CheckLength(Sub(field, "checkpoint_id"), encoder.checkpoint_id(),
                         kMaxIdChars);
    case v1::EncoderConfig::SOURCE_NOT_SET:
      break;
  }
  return FieldError(field, "set builtin, torchscript or checkpoint_id");
}

absl::Status ValidateProjectionHead(const v1::ProjectionHeadConfig& head,
                                    const std::string& field) {
  SIMCLR_RETURN_IF_ERROR(ValidateWidths(head.widths(), 8, Sub(field, "widths")));
  return CheckEnum(Sub(field, "activation"), head.activation(),
                   v1::HeadActivation_IsValid);
}

absl::Status ValidateClassifierHead(const v1::ClassifierHeadConfig& head,
                                    const std::string& field) {
  SIMCLR_RETURN_IF_ERROR(
      ValidateWidths(head.hidden_widths(), 4, Sub(field, "hidden_widths")));
  SIMCLR_RETURN_IF_ERROR(CheckEnum(Sub(field, "activation"), head.activation(),
                                   v1::HeadActivation_IsValid));
  return CheckInterval(Sub(field, "dropout"), head.dropout(),
                       {0, 0.9, false, true});
}

}  // namespace simclr::core
