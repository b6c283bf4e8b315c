// The embedding endpoint behind the gRPC service: resolves a ModelRef to a
// checkpoint, keeps encoders in a load-once LRU cache, prepares inputs on
// its own threads and hands them to the dynamic batcher.
//
// Admission is bounded: a request whose images would take the images
// admitted and not yet answered past `max_queued_images` is refused at once
// with RESOURCE_EXHAUSTED, so an overload costs queue space, never memory
// growth. A job id resolves to its newest checkpoint at admission: requests
// after a new checkpoint get the new encoder while earlier ones finish on
// the one they were prepared for (hot swap). Torch-free header.
#ifndef SIMCLR_SERVER_EMBEDDING_EMBEDDING_RUNTIME_H_
#define SIMCLR_SERVER_EMBEDDING_EMBEDDING_RUNTIME_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "core/inference/dynamic_batcher.h"
#include "core/inference/loaded_encoder.h"
#include "core/inference/once_lru_cache.h"
#include "core/runtime/thread_pool.h"
#include "simclr/v1/embedding.pb.h"

namespace simclr::server {

class CheckpointCatalog;
class EmbedMetrics;

struct EmbeddingOptions {
  std::string device = "cpu";
  int64_t max_batch = 64;
  absl::Duration max_queue_delay = absl::Microseconds(500);
  int64_t max_queued_images = 4096;
  int lanes = 1;            // batcher threads, each running whole forwards
  int prepare_threads = 1;  // decode, preprocess, model loads
  int64_t cache_models = 4;
  int64_t cache_bytes = int64_t{2} << 30;
  int64_t max_image_pixels = int64_t{4096} * 4096;
};

class EmbeddingRuntime {
 public:
  using Done = std::function<void(absl::Status)>;

  // INVALID_ARGUMENT naming the flag for an unusable option. `catalog` and
  // `metrics` (may be null) must outlive the runtime.
  static absl::StatusOr<std::unique_ptr<EmbeddingRuntime>> Create(
      const EmbeddingOptions& options, const CheckpointCatalog* catalog,
      EmbedMetrics* metrics);
  ~EmbeddingRuntime();

  // What Embed refuses before any model is looked up: malformed ids and
  // strings, and an image count outside [1, 1024].
  static absl::Status CheckRequest(const v1::EmbedRequest& request);

  // Embeds `request`'s images into `response`, then calls `done` exactly
  // once: inline for a malformed or refused request, else from a runtime
  // thread. Both messages must stay valid until then (gRPC keeps a unary
  // call's until Finish). A request whose `cancelled` flag is set, or whose
  // deadline passes, before its batch runs never reaches the model.
  void Embed(const v1::EmbedRequest* request, v1::EmbedResponse* response,
             absl::Time deadline,
             std::shared_ptr<const std::atomic<bool>> cancelled, Done done);

  // Refuses new requests, answers queued ones UNAVAILABLE and joins threads.
  void Stop();

  int64_t models_loaded() const { return cache_.size(); }
  int64_t model_loads() const { return cache_.loads(); }

 private:
  EmbeddingRuntime(const EmbeddingOptions& options,
                   const CheckpointCatalog* catalog, EmbedMetrics* metrics);

  absl::StatusOr<std::shared_ptr<const core::LoadedEncoder>> LoadModel(
      const std::string& checkpoint_id);
  absl::StatusOr<std::string> ResolveCheckpoint(const v1::ModelRef& ref) const;
  absl::StatusOr<std::shared_ptr<const core::LoadedEncoder>> ResolveModel(
      const v1::ModelRef& ref);
  // One request on its way to the batcher: the model first, then a few
  // images per turn of the prepare threads (fair to small requests).
  struct Preparation {
    const v1::EmbedRequest* request = nullptr;
    v1::EmbedResponse* response = nullptr;
    absl::Time deadline;
    std::shared_ptr<const std::atomic<bool>> cancelled;
    Done done;
    core::EmbedTask task;
    bool model_resolved = false;
    int next_image = 0;
  };
  // True while steps remain.
  bool PrepareStep(Preparation& preparation);
  void SubmitPrepared(Preparation& preparation);
  // Completes a request: admission release, metrics, then `done`.
  void Finish(int64_t images, const absl::Status& status, const Done& done);

  const EmbeddingOptions options_;
  const CheckpointCatalog* const catalog_;
  EmbedMetrics* const metrics_;
  core::OnceLruCache<const core::LoadedEncoder> cache_;

  absl::Mutex mu_;
  int64_t admitted_images_ ABSL_GUARDED_BY(mu_) = 0;

  // Declared last: destroyed (joined) first, while what they use still lives.
  std::unique_ptr<core::DynamicBatcher> batcher_;
  std::unique_ptr<core::ThreadPool> prepare_;
};

}  // namespace simclr::server

#endif  // SIMCLR_SERVER_EMBEDDING_EMBEDDING_RUNTIME_H_
