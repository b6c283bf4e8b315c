// The Prometheus registry of simclrd and the HTTP endpoint serving it.
//
// One registry per process, every metric family built once on it (Triton's
// rule). The endpoint is prometheus-cpp's civetweb Exposer. civetweb starts
// its threads with a ~100 KiB stack, which fails in a process that loads
// LibTorch with OpenBLAS (STACK.md pitfall 1); the install selects BLIS, and
// Create() reports a failed start as an error instead of running without
// metrics. Thread-safe after Create().
#ifndef SIMCLR_SERVER_METRICS_METRICS_ENDPOINT_H_
#define SIMCLR_SERVER_METRICS_METRICS_ENDPOINT_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "prometheus/collectable.h"
#include "prometheus/registry.h"

namespace prometheus {
class Exposer;
}

namespace simclr::server {

class MetricsEndpoint {
 public:
  struct Options {
    std::string host = "127.0.0.1";
    // 0 picks a free port; negative serves no endpoint (the registry still
    // works, e.g. in tests).
    int port = 0;
  };

  static absl::StatusOr<std::unique_ptr<MetricsEndpoint>> Create(
      const Options& options);
  ~MetricsEndpoint();

  prometheus::Registry& registry() { return *registry_; }
  // Serves `c` beside the registry; the endpoint keeps it alive.
  void AddCollectable(std::shared_ptr<prometheus::Collectable> c);
  // The bound port, or -1 without an endpoint.
  int port() const { return port_; }

 private:
  MetricsEndpoint() = default;

  std::shared_ptr<prometheus::Registry> registry_;
  // The exposer holds collectables weakly; these are the strong owners.
  std::vector<std::shared_ptr<prometheus::Collectable>> collectables_;
  std::unique_ptr<prometheus::Exposer> exposer_;
  int port_ = -1;
};

}  // namespace simclr::server

#endif  // SIMCLR_SERVER_METRICS_METRICS_ENDPOINT_H_
