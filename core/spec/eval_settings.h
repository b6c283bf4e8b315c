// What the three evaluation kinds share (job_spec.proto): the label
// fractions × repeats protocol, and the subjects (the columns of the
// table). Torch-free.
#ifndef SIMCLR_CORE_SPEC_EVAL_SETTINGS_H_
#define SIMCLR_CORE_SPEC_EVAL_SETTINGS_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "google/protobuf/repeated_field.h"
#include "simclr/v1/job_spec.pb.h"

namespace simclr::core {

struct EvalProtocolSettings {
  std::vector<double> label_fractions;
  int repeats = 10;
};

// Defaults ([1.0, 0.2, 0.05], 10 repeats) and ranges, naming
// "<field>.label_fractions" or "<field>.repeats".
absl::StatusOr<EvalProtocolSettings> ResolveEvalProtocol(
    const v1::EvalProtocol& protocol, const std::string& field);

// One subject at `field` (e.g. "linear_eval.subjects[1]"): its name and its
// source. `allow_raw_pixels` is false where there is no encoder to train.
absl::Status ValidateEvalSubject(const v1::EvalSubject& subject,
                                 const std::string& field,
                                 bool allow_raw_pixels);
// 1 to 8 subjects at `field` (e.g. "finetune.subjects").
absl::Status ValidateEvalSubjects(
    const google::protobuf::RepeatedPtrField<v1::EvalSubject>& subjects,
    const std::string& field, bool allow_raw_pixels);

}  // namespace simclr::core

#endif  // SIMCLR_CORE_SPEC_EVAL_SETTINGS_H_
