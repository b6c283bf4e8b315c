// Runs `simclr-worker probe-model` on an uploaded module and reads its
// answer: the one place where a client's TorchScript is loaded, in a
// process of its own (one thread, killed past a deadline), never in simclrd.
#ifndef SIMCLR_SERVER_MODELS_MODEL_PROBE_RUNNER_H_
#define SIMCLR_SERVER_MODELS_MODEL_PROBE_RUNNER_H_

#include <cstdint>
#include <functional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace simclr::server {

struct ProbedModel {
  int channels = 0;
  int size = 0;
  int64_t feature_dim = 0;
  int layers = 0;
};

// (module path, channels, size; 0 and 0: try the usual shapes).
using ModelProber =
    std::function<absl::StatusOr<ProbedModel>(const std::string&, int, int)>;

// A prober that runs `worker_path`, writing its output beside the module.
// INVALID_ARGUMENT with the worker's reason when the module is unusable,
// DEADLINE_EXCEEDED when it runs past `timeout`.
ModelProber WorkerModelProber(std::string worker_path, absl::Duration timeout);

}  // namespace simclr::server

#endif  // SIMCLR_SERVER_MODELS_MODEL_PROBE_RUNNER_H_
