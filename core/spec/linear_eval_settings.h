// A LinearEvalConfig with its defaults filled in and every field checked.
// Torch-free; the job (core/eval/linear_eval_job) runs what this resolves.
#ifndef SIMCLR_CORE_SPEC_LINEAR_EVAL_SETTINGS_H_
#define SIMCLR_CORE_SPEC_LINEAR_EVAL_SETTINGS_H_

#include <cstdint>
#include <vector>

#include "absl/status/statusor.h"
#include "core/spec/eval_settings.h"
#include "simclr/v1/job_spec.pb.h"

namespace simclr::core {

struct LinearEvalSettings {
  EvalProtocolSettings protocol;
  // Empty: the documented default grid (DefaultCGrid in core/eval).
  std::vector<double> c_grid;
  int folds = 5;
  int max_iterations = 1000;
  double tolerance = 1e-4;
  bool standardize = true;
  int cv_max_iterations = 100;
  int64_t batch_size = 256;
  bool cache_features = true;
};

absl::StatusOr<LinearEvalSettings> ResolveLinearEvalSettings(
    const v1::LinearEvalConfig& config);

}  // namespace simclr::core

#endif  // SIMCLR_CORE_SPEC_LINEAR_EVAL_SETTINGS_H_
