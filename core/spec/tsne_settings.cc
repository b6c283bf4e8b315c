#include "core/spec/tsne_settings.h"

#include "absl/strings/str_cat.h"
#include "core/common/field_error.h"
#include "core/common/status_macros.h"
#include "core/spec/checks.h"
#include "core/spec/data_checks.h"
#include "core/spec/eval_settings.h"

namespace simclr::core {
namespace {

constexpr char kField[] = "tsne";

std::string At(const char* name) { return Sub(kField, name); }

}  // namespace

absl::StatusOr<TsneSettings> ResolveTsneSettings(const v1::TsneConfig& config) {
  TsneSettings s;
  SIMCLR_RETURN_IF_ERROR(ValidateDataConfig(config.data(), At("data")));
  SIMCLR_RETURN_IF_ERROR(ValidateEvalSubject(config.subject(), At("subject"),
                                             /*allow_raw_pixels=*/true));
  SIMCLR_RETURN_IF_ERROR(ValidateInputSpec(config.input(), At("input")));
  if (config.has_num_points()) s.num_points = config.num_points();
  SIMCLR_RETURN_IF_ERROR(CheckInt(At("num_points"), s.num_points, 10, 100000));
  if (config.has_perplexity()) s.perplexity = config.perplexity();
  // The sample has at most num_points points; the job checks the real count.
  SIMCLR_RETURN_IF_ERROR(CheckInterval(At("perplexity"), s.perplexity,
                                       {2, (s.num_points - 1) / 3.0}));
  if (config.has_iterations()) s.iterations = config.iterations();
  SIMCLR_RETURN_IF_ERROR(CheckInt(At("iterations"), s.iterations, 250, 100000));
  SIMCLR_RETURN_IF_ERROR(
      CheckEnum(At("method"), config.method(), v1::TsneMethod_IsValid));
  s.method = config.method();
  if (config.has_theta()) s.theta = config.theta();
  SIMCLR_RETURN_IF_ERROR(CheckInterval(At("theta"), s.theta, {0, 1, true}));
  if (config.has_image_size()) s.image_size = config.image_size();
  SIMCLR_RETURN_IF_ERROR(CheckInt(At("image_size"), s.image_size, 256, 8192));
  SIMCLR_RETURN_IF_ERROR(CheckLength(At("title"), config.title(), 128));
  if (config.has_batch_size()) s.batch_size = config.batch_size();
  SIMCLR_RETURN_IF_ERROR(CheckInt(At("batch_size"), s.batch_size, 1, 65536));
  return s;
}

absl::Status CheckPerplexity(double perplexity, int64_t points) {
  if (perplexity >= 2 && perplexity <= (points - 1) / 3.0) return absl::OkStatus();
  return FieldError(At("perplexity"),
                    absl::StrCat(perplexity, " is outside [2, (points - 1) / 3 = ",
                                 (points - 1) / 3.0, "] for ", points, " points"));
}

}  // namespace simclr::core
