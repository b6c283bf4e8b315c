#include "core/spec/embed_settings.h"

#include "core/common/status_macros.h"
#include "core/spec/checks.h"
#include "core/spec/data_checks.h"
#include "core/spec/eval_settings.h"

namespace simclr::core {

absl::StatusOr<EmbedSettings> ResolveEmbedSettings(const v1::EmbedConfig& config) {
  EmbedSettings s;
  SIMCLR_RETURN_IF_ERROR(ValidateDataConfig(config.data(), "embed.data"));
  SIMCLR_RETURN_IF_ERROR(ValidateEvalSubject(config.subject(), "embed.subject",
                                             /*allow_raw_pixels=*/true));
  SIMCLR_RETURN_IF_ERROR(ValidateInputSpec(config.input(), "embed.input"));
  if (config.has_batch_size()) s.batch_size = config.batch_size();
  SIMCLR_RETURN_IF_ERROR(CheckInt("embed.batch_size", s.batch_size, 1, 65536));
  return s;
}

}  // namespace simclr::core
