#include "server/metrics/embed_metrics.h"

#include <string>

namespace simclr::server {
namespace {

// 50 µs to 10 s: a batch-1 forward of the small CNN is ~0.4 ms, a
// ResNet-18 batch of 64 on 2 cores is hundreds of ms.
prometheus::Histogram::BucketBoundaries SecondsBuckets() {
  return {0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
          0.05,    0.1,    0.25,    0.5,    1,     2.5,    5,     10};
}

prometheus::Histogram::BucketBoundaries BatchBuckets() {
  return {1, 2, 4, 8, 16, 32, 48, 64, 96, 128, 256, 512, 1024};
}

}  // namespace

EmbedMetrics::EmbedMetrics(prometheus::Registry& registry)
    : request_seconds_(
          prometheus::BuildHistogram()
              .Name("simclr_embed_request_duration_seconds")
              .Help("Latency of served embedding requests, from admission to "
                    "answer (unary and streamed).")
              .Register(registry)
              .Add({}, SecondsBuckets())),
      queue_seconds_(
          prometheus::BuildHistogram()
              .Name("simclr_embed_queue_duration_seconds")
              .Help("Time an embedding request waited for its batch.")
              .Register(registry)
              .Add({}, SecondsBuckets())),
      compute_seconds_(
          prometheus::BuildHistogram()
              .Name("simclr_embed_compute_duration_seconds")
              .Help("Duration of the forward that served a request.")
              .Register(registry)
              .Add({}, SecondsBuckets())),
      batch_size_(
          prometheus::BuildHistogram()
              .Name("simclr_embed_batch_size")
              .Help("Images per encoder forward formed by the dynamic batcher.")
              .Register(registry)
              .Add({}, BatchBuckets())),
      pending_(prometheus::BuildGauge()
                   .Name("simclr_embed_pending_requests")
                   .Help("Embedding requests admitted and not yet answered.")
                   .Register(registry)
                   .Add({})),
      models_loaded_(prometheus::BuildGauge()
                         .Name("simclr_models_loaded")
                         .Help("Encoders held in the embedding model cache.")
                         .Register(registry)
                         .Add({})),
      model_loads_(
          prometheus::BuildCounter()
              .Name("simclr_model_loads_total")
              .Help("Encoder loads into the model cache (cache misses).")
              .Register(registry)
              .Add({})) {
  auto& requests = prometheus::BuildCounter()
                       .Name("simclr_embed_requests_total")
                       .Help("Finished embedding requests by gRPC status code.")
                       .Register(registry);
  for (int code = 0; code < static_cast<int>(requests_.size()); ++code) {
    std::string name =
        absl::StatusCodeToString(static_cast<absl::StatusCode>(code));
    requests_[code] = &requests.Add({{"status", name}});
  }
}

void EmbedMetrics::RecordRequest(absl::StatusCode code) {
  const int index = static_cast<int>(code);
  if (index >= 0 && index < static_cast<int>(requests_.size()))
    requests_[index]->Increment();
}

void EmbedMetrics::ObserveRequest(absl::Duration latency) {
  request_seconds_.Observe(absl::ToDoubleSeconds(latency));
}

void EmbedMetrics::ObserveQueue(absl::Duration waited) {
  queue_seconds_.Observe(absl::ToDoubleSeconds(waited));
}

void EmbedMetrics::ObserveCompute(absl::Duration forward) {
  compute_seconds_.Observe(absl::ToDoubleSeconds(forward));
}

void EmbedMetrics::ObserveBatch(int64_t images) {
  batch_size_.Observe(static_cast<double>(images));
}

void EmbedMetrics::AddPending(int64_t delta) {
  pending_.Increment(static_cast<double>(delta));
}

void EmbedMetrics::SetModelsLoaded(int64_t models) {
  models_loaded_.Set(static_cast<double>(models));
}

void EmbedMetrics::CountModelLoad() { model_loads_.Increment(); }

}  // namespace simclr::server
