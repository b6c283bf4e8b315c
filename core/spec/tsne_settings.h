// A TsneConfig with its defaults filled in and every field checked.
// Torch-free. The perplexity's upper end depends on how many points the
// dataset gives, so the job checks that one once it has loaded the data.
#ifndef SIMCLR_CORE_SPEC_TSNE_SETTINGS_H_
#define SIMCLR_CORE_SPEC_TSNE_SETTINGS_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "simclr/v1/job_spec.pb.h"

namespace simclr::core {

struct TsneSettings {
  int num_points = 2000;
  double perplexity = 30;
  int iterations = 1000;
  v1::TsneMethod method = v1::TSNE_METHOD_UNSPECIFIED;
  double theta = 0.5;
  int image_size = 1024;
  int64_t batch_size = 256;
};

absl::StatusOr<TsneSettings> ResolveTsneSettings(const v1::TsneConfig& config);

// The perplexity against the sample actually drawn: at most (n - 1) / 3.
absl::Status CheckPerplexity(double perplexity, int64_t points);

}  // namespace simclr::core

#endif  // SIMCLR_CORE_SPEC_TSNE_SETTINGS_H_
