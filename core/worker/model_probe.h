// `simclr-worker probe-model`: loads a user's TorchScript encoder and finds
// the input it takes by dry runs, in a process of its own, so that simclrd
// never runs a client's module itself (DESIGN.md, "Why a worker process
// per job"). simclrd runs it on every uploaded model before keeping it.
#ifndef SIMCLR_CORE_WORKER_MODEL_PROBE_H_
#define SIMCLR_CORE_WORKER_MODEL_PROBE_H_

#include <string>

#include "absl/status/statusor.h"

namespace simclr::core {

struct ModelProbe {
  int channels = 0;
  int size = 0;
  int64_t feature_dim = 0;
  // Top-level submodules: the layers unfreezing rounds count.
  int layers = 0;
};

// With channels and size 0, tries 3×224, 3×32, 1×28, 3×96, 1×32 and 3×64 in
// that order and keeps the first that runs. INVALID_ARGUMENT saying why for
// a file that is no TorchScript module or whose forward fails on every
// shape tried.
absl::StatusOr<ModelProbe> ProbeModel(const std::string& path, int channels, int size);

// One JSON object: {"channels":…,"size":…,"feature_dim":…,"layers":…}.
std::string ModelProbeJson(const ModelProbe& probe);

}  // namespace simclr::core

#endif  // SIMCLR_CORE_WORKER_MODEL_PROBE_H_
