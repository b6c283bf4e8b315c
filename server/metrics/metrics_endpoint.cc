#include "server/metrics/metrics_endpoint.h"

#include <exception>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "prometheus/exposer.h"

namespace simclr::server {

absl::StatusOr<std::unique_ptr<MetricsEndpoint>> MetricsEndpoint::Create(
    const Options& options) {
  std::unique_ptr<MetricsEndpoint> endpoint(new MetricsEndpoint());
  endpoint->registry_ = std::make_shared<prometheus::Registry>();
  if (options.port < 0) return endpoint;

  const std::string address = absl::StrCat(options.host, ":", options.port);
  try {
    endpoint->exposer_ = std::make_unique<prometheus::Exposer>(address);
  } catch (const std::exception& e) {
    return absl::UnavailableError(absl::StrCat(
        "metrics endpoint on ", address, " did not start: ", e.what(),
        " (is BLIS the selected BLAS? see scripts/install_deps.sh)"));
  }
  const std::vector<int> ports = endpoint->exposer_->GetListeningPorts();
  if (ports.empty()) {
    return absl::UnavailableError(
        absl::StrCat("metrics endpoint on ", address, " bound no port"));
  }
  endpoint->port_ = ports.front();
  endpoint->exposer_->RegisterCollectable(endpoint->registry_);
  return endpoint;
}

MetricsEndpoint::~MetricsEndpoint() = default;

void MetricsEndpoint::AddCollectable(
    std::shared_ptr<prometheus::Collectable> c) {
  if (exposer_) exposer_->RegisterCollectable(c);
  collectables_.push_back(std::move(c));
}

}  // namespace simclr::server
