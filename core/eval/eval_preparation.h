// What the evaluation jobs (linear_eval, finetune, tsne) prepare alike
// before any work: the data, the evaluation input, the subjects (each
// loaded once, so a bad one fails before minutes of work), and the
// report's header.
#ifndef SIMCLR_CORE_EVAL_EVAL_PREPARATION_H_
#define SIMCLR_CORE_EVAL_EVAL_PREPARATION_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "core/eval/eval_data.h"
#include "core/eval/eval_subject.h"
#include "core/runtime/job_run.h"
#include "core/spec/eval_settings.h"
#include "google/protobuf/repeated_field.h"
#include "simclr/v1/job.pb.h"
#include "simclr/v1/job_spec.pb.h"

namespace simclr::core {

using EvalSubjects = google::protobuf::RepeatedPtrField<v1::EvalSubject>;

// Loads `subjects` at `field` ("linear_eval.subjects") for `shape`, with
// random-init weights from `seed`; with `to_device`, on the run's device.
absl::StatusOr<std::vector<LoadedSubject>> LoadSubjects(const EvalSubjects& subjects,
                                                        const InputShape& shape,
                                                        uint64_t seed, const JobRun& run,
                                                        const std::string& field,
                                                        bool to_device);

struct PreparedEvaluation {
  EvalData data;
  InputShape shape;
  std::vector<LoadedSubject> subjects;
  std::vector<int64_t> truth;  // the test images' labels, for confusion matrices
};

// The labelled data split into pool, validation (`val_fraction` unless the
// spec sets one) and test, the input, and the subjects. `kind` is the
// config's field ("linear_eval", "finetune").
absl::StatusOr<PreparedEvaluation> PrepareEvaluation(
    const v1::DataConfig& data, double val_fraction, const v1::InputSpec& input,
    const EvalSubjects& subjects, uint64_t seed, const JobRun& run,
    const std::string& kind, bool subjects_to_device);

// A report with its header filled in and one empty cell per label fraction
// × subject, in that order.
v1::EvalReport NewEvalReport(const std::string& classifier,
                             const std::vector<LoadedSubject>& subjects,
                             const EvalProtocolSettings& protocol, const EvalData& data,
                             uint64_t seed);

}  // namespace simclr::core

#endif  // SIMCLR_CORE_EVAL_EVAL_PREPARATION_H_
