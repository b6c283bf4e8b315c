#include "core/spec/linear_eval_settings.h"

#include "core/common/status_macros.h"
#include "core/spec/checks.h"
#include "core/spec/data_checks.h"

namespace simclr::core {
namespace {

constexpr char kField[] = "linear_eval";

std::string At(const char* name) { return Sub(kField, name); }

absl::Status ResolveClassifier(const v1::LogisticRegressionConfig& lr,
                               LinearEvalSettings& s) {
  const std::string grid = At("classifier.c_grid");
  SIMCLR_RETURN_IF_ERROR(CheckCount(grid, lr.c_grid_size(), 0, 64));
  for (int i = 0; i < lr.c_grid_size(); ++i) {
    SIMCLR_RETURN_IF_ERROR(CheckAtLeast(Item(grid, i), lr.c_grid(i), 0, true));
  }
  s.c_grid.assign(lr.c_grid().begin(), lr.c_grid().end());
  if (lr.has_cv_folds()) s.folds = lr.cv_folds();
  SIMCLR_RETURN_IF_ERROR(CheckInt(At("classifier.cv_folds"), s.folds, 2, 20));
  if (lr.has_max_iterations()) s.max_iterations = lr.max_iterations();
  SIMCLR_RETURN_IF_ERROR(CheckInt(At("classifier.max_iterations"),
                                  s.max_iterations, 1, 100000));
  if (lr.has_tolerance()) s.tolerance = lr.tolerance();
  SIMCLR_RETURN_IF_ERROR(CheckInterval(At("classifier.tolerance"), s.tolerance,
                                       {0, 1, true, true}));
  if (lr.has_standardize()) s.standardize = lr.standardize();
  if (lr.has_cv_max_iterations()) s.cv_max_iterations = lr.cv_max_iterations();
  return CheckInt(At("classifier.cv_max_iterations"), s.cv_max_iterations, 1,
                  100000);
}

}  // namespace

absl::StatusOr<LinearEvalSettings> ResolveLinearEvalSettings(
    const v1::LinearEvalConfig& config) {
  LinearEvalSettings s;
  SIMCLR_RETURN_IF_ERROR(ValidateDataConfig(config.data(), At("data")));
  SIMCLR_RETURN_IF_ERROR(ValidateEvalSubjects(config.subjects(), At("subjects"),
                                              /*allow_raw_pixels=*/true));
  SIMCLR_RETURN_IF_ERROR(ValidateInputSpec(config.input(), At("input")));
  SIMCLR_ASSIGN_OR_RETURN(s.protocol,
                          ResolveEvalProtocol(config.protocol(), At("protocol")));
  SIMCLR_RETURN_IF_ERROR(ResolveClassifier(config.classifier(), s));
  if (config.has_batch_size()) s.batch_size = config.batch_size();
  SIMCLR_RETURN_IF_ERROR(CheckInt(At("batch_size"), s.batch_size, 1, 65536));
  if (config.has_cache_features()) s.cache_features = config.cache_features();
  return s;
}

}  // namespace simclr::core
