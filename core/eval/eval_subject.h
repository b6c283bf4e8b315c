// The subjects of an evaluation (the columns of its table): a checkpoint's
// encoder, a random-init encoder of a built-in architecture, a user's
// TorchScript encoder, or the raw pixels.
#ifndef SIMCLR_CORE_EVAL_EVAL_SUBJECT_H_
#define SIMCLR_CORE_EVAL_EVAL_SUBJECT_H_

#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "core/augment/view_transform.h"
#include "core/models/encoder.h"
#include "google/protobuf/repeated_field.h"
#include "simclr/v1/job_spec.pb.h"

namespace simclr::core {

struct LoadedSubject {
  std::string name;
  // Unset for raw pixels.
  std::optional<Encoder> encoder;
  // Identifies the encoder's weights for feature caches (the SHA-256 of a
  // checkpoint's encoder.pt); empty when they are not cacheable.
  std::string cache_key;
};

// The evaluation input: `spec` if it sets anything, else the input of the
// first checkpoint subject's meta.json, else the data's defaults.
absl::StatusOr<InputShape> ResolveEvalInput(
    const v1::InputSpec& spec,
    const google::protobuf::RepeatedPtrField<v1::EvalSubject>& subjects,
    int data_height, int data_channels, const std::string& spec_dir,
    const std::string& field);

// Loads subject `field` (e.g. "linear_eval.subjects[1]"). Random-init
// weights come from `seed`. Relative checkpoint paths are taken from
// `spec_dir`. INVALID_ARGUMENT naming the field for an unusable subject
// (a missing checkpoint, an input the encoder was not trained for);
// FAILED_PRECONDITION for a checkpoint_id, which only simclrd resolves.
absl::StatusOr<LoadedSubject> LoadSubject(const v1::EvalSubject& subject,
                                          const InputShape& shape,
                                          uint64_t seed,
                                          const std::string& spec_dir,
                                          const std::string& field);

}  // namespace simclr::core

#endif  // SIMCLR_CORE_EVAL_EVAL_SUBJECT_H_
