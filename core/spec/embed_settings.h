// An EmbedConfig with its defaults filled in and every field checked.
// Torch-free.
#ifndef SIMCLR_CORE_SPEC_EMBED_SETTINGS_H_
#define SIMCLR_CORE_SPEC_EMBED_SETTINGS_H_

#include <cstdint>

#include "absl/status/statusor.h"
#include "simclr/v1/job_spec.pb.h"

namespace simclr::core {

struct EmbedSettings {
  int64_t batch_size = 256;
};

absl::StatusOr<EmbedSettings> ResolveEmbedSettings(const v1::EmbedConfig& config);

}  // namespace simclr::core

#endif  // SIMCLR_CORE_SPEC_EMBED_SETTINGS_H_
