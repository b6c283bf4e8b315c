// The embedding endpoint's metrics, built once on the server's registry:
//   simclr_embed_requests_total{status}         finished requests by gRPC code
//   simclr_embed_request_duration_seconds        admission → answer, served ones
//   simclr_embed_queue_duration_seconds          submit → its batch starts
//   simclr_embed_compute_duration_seconds        the forward that served it
//   simclr_embed_batch_size                      images per forward
//   simclr_embed_pending_requests                admitted, not yet answered
//   simclr_models_loaded                         encoders in the model cache
//   simclr_model_loads_total                     encoder loads (cache misses)
// Thread-safe: every method may be called from any thread.
#ifndef SIMCLR_SERVER_METRICS_EMBED_METRICS_H_
#define SIMCLR_SERVER_METRICS_EMBED_METRICS_H_

#include <array>
#include <cstdint>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "prometheus/counter.h"
#include "prometheus/gauge.h"
#include "prometheus/histogram.h"
#include "prometheus/registry.h"

namespace simclr::server {

class EmbedMetrics {
 public:
  // `registry` must outlive this.
  explicit EmbedMetrics(prometheus::Registry& registry);

  void RecordRequest(absl::StatusCode code);
  void ObserveRequest(absl::Duration latency);
  void ObserveQueue(absl::Duration waited);
  void ObserveCompute(absl::Duration forward);
  void ObserveBatch(int64_t images);
  void AddPending(int64_t delta);
  void SetModelsLoaded(int64_t models);
  void CountModelLoad();

 private:
  std::array<prometheus::Counter*, 17> requests_;  // by absl::StatusCode
  prometheus::Histogram& request_seconds_;
  prometheus::Histogram& queue_seconds_;
  prometheus::Histogram& compute_seconds_;
  prometheus::Histogram& batch_size_;
  prometheus::Gauge& pending_;
  prometheus::Gauge& models_loaded_;
  prometheus::Counter& model_loads_;
};

}  // namespace simclr::server

#endif  // SIMCLR_SERVER_METRICS_EMBED_METRICS_H_
