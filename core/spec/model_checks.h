// Checks of encoders and heads (model.proto). Torch-free: what a spec
// decides, not whether a TorchScript module loads (the worker finds that
// out, with a dry run, when it builds the encoder).
#ifndef SIMCLR_CORE_SPEC_MODEL_CHECKS_H_
#define SIMCLR_CORE_SPEC_MODEL_CHECKS_H_

#include <string>

#include "absl/status/status.h"
#include "simclr/v1/model.pb.h"

namespace simclr::core {

// A TorchScript module sent inside the spec.
inline constexpr size_t kMaxModuleBytes = 64u << 20;

absl::Status ValidateBuiltinEncoder(const v1::BuiltinEncoder& encoder,
                                    const std::string& field);
absl::Status ValidateTorchScriptEncoder(const v1::TorchScriptEncoder& encoder,
                                        const std::string& field);
// Required: one source set.
absl::Status ValidateEncoderConfig(const v1::EncoderConfig& encoder,
                                   const std::string& field);
absl::Status ValidateProjectionHead(const v1::ProjectionHeadConfig& head,
                                    const std::string& field);
absl::Status ValidateClassifierHead(const v1::ClassifierHeadConfig& head,
                                    const std::string& field);

}  // namespace simclr::core

#endif  // SIMCLR_CORE_SPEC_MODEL_CHECKS_H_
