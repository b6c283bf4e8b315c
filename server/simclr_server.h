// simclrd's gRPC server: the four simclr.v1 services, grpc.health.v1,
// reflection and the /metrics endpoint, wired together.
//
// Create() binds every port before returning, so a caller that gets a
// server can report its ports as ready.
// Shutdown() is idempotent and safe from any thread; the destructor calls it.
#ifndef SIMCLR_SERVER_SIMCLR_SERVER_H_
#define SIMCLR_SERVER_SIMCLR_SERVER_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "server/embedding/embedding_runtime.h"

namespace grpc {
class Server;
class ServerCredentials;
class Service;
}  // namespace grpc

namespace simclr::server {

class GrpcMetricsInterceptorFactory;
class CheckpointCatalog;
class TokenAuthenticator;
class DatasetManager;
class DatasetStore;
class EmbedMetrics;
class JobManager;
class JobStore;
class ModelManager;
class GrpcServerMetrics;
class MetricsEndpoint;

struct ServerOptions {
  // Address the gRPC port binds to. Without auth_tokens_file only a
  // loopback address is allowed, unless insecure_no_auth.
  std::string host = "127.0.0.1";
  bool insecure_no_auth = false;
  // Address of /metrics; empty: `host`.
  std::string metrics_host;
  // gRPC port; 0 picks a free one (see SimclrServer::grpc_port()).
  int port = 50051;
  // Prometheus /metrics port; 0 picks a free one, negative disables it.
  int metrics_port = 9464;
  // Root of all persistent state; created if missing, must be writable.
  std::string data_dir;
  // Jobs: the simclr-worker binary, how many run at once, their default
  // device and LibTorch threads, and how long a stopping worker may take
  // to checkpoint before SIGKILL.
  std::string worker_path;
  int max_concurrent_jobs = 1;
  // Device slots (server/jobs/device_slots.h); empty: max_concurrent_jobs
  // of `device`.
  std::string devices;
  std::string device = "cpu";
  int worker_threads = 0;
  absl::Duration stop_grace = absl::Seconds(10);
  // Uploads: the largest dataset (all files) and model, and the most
  // pixels per image.
  int64_t max_upload_bytes = int64_t{4} << 30;
  int64_t max_model_bytes = int64_t{2} << 30;
  int64_t max_image_pixels = int64_t{4096} * 4096;
  // Streams that hold a server thread each: at most this many at once, and
  // an upload silent for longer than the timeout is cancelled.
  int max_upload_streams = 16;
  int max_watch_streams = 256;
  absl::Duration upload_idle_timeout = absl::Seconds(60);
  // Lines "TOKEN PRINCIPAL [ROLE]"; empty: single-user, owner "local".
  std::string auth_tokens_file;
  // Server paths a spec may name (realpath inside one of them); none by
  // default.
  std::vector<std::string> allow_local_paths;
  // Per principal: queued, running and paused jobs, and stored bytes.
  int max_active_jobs_per_principal = 100;
  int64_t max_stored_bytes_per_principal = int64_t{1} << 40;
  // Retention of ended jobs: the newest N, none older than D (0: no limit).
  int64_t retain_finished_jobs = 0;
  absl::Duration retain_finished_jobs_for = absl::ZeroDuration();
  // TLS: PEM certificate chain and key (both or neither); with a client CA,
  // clients must present a certificate it signed (mTLS).
  std::string tls_cert, tls_key, tls_client_ca;
  // The embedding endpoint (its device is `device`, its pixel limit
  // `max_image_pixels`).
  EmbeddingOptions embedding;
};

class SimclrServer {
 public:
  static absl::StatusOr<std::unique_ptr<SimclrServer>> Create(
      const ServerOptions& options);
  ~SimclrServer();

  SimclrServer(const SimclrServer&) = delete;
  SimclrServer& operator=(const SimclrServer&) = delete;

  int grpc_port() const { return grpc_port_; }
  // Rereads --auth_tokens_file (SIGHUP); on failure the old tokens stay.
  // OK without a tokens file.
  absl::Status ReloadTokens();
  // -1 when the metrics endpoint is disabled.
  int metrics_port() const;

  // Reports NOT_SERVING on health; asks running jobs to checkpoint and
  // stop (they continue on the next start), then stops accepting RPCs and
  // waits up to `grace` for calls in flight before cancelling them.
  void Shutdown(absl::Duration grace);

 private:
  SimclrServer();
  // The steps of Create, in order.
  absl::Status OpenStores(const ServerOptions& options);
  absl::Status StartJobs(const ServerOptions& options);
  absl::Status StartMetrics(const ServerOptions& options);
  absl::Status StartEmbedding(const ServerOptions& options);
  absl::Status StartGrpc(const ServerOptions& options,
                         std::shared_ptr<grpc::ServerCredentials> credentials);

  std::unique_ptr<TokenAuthenticator> auth_;
  std::unique_ptr<JobStore> job_store_;
  std::unique_ptr<DatasetStore> dataset_store_;
  std::unique_ptr<DatasetManager> datasets_;
  std::unique_ptr<ModelManager> models_;
  std::unique_ptr<JobManager> jobs_;
  std::unique_ptr<CheckpointCatalog> checkpoints_;
  std::unique_ptr<MetricsEndpoint> metrics_;
  std::unique_ptr<GrpcServerMetrics> grpc_metrics_;
  std::unique_ptr<EmbedMetrics> embed_metrics_;
  std::unique_ptr<EmbeddingRuntime> embedding_;
  std::vector<std::unique_ptr<grpc::Service>> services_;
  std::unique_ptr<grpc::Server> server_;
  int grpc_port_ = 0;

  absl::Mutex shutdown_mu_;
  bool shut_down_ ABSL_GUARDED_BY(shutdown_mu_) = false;
};

}  // namespace simclr::server

#endif  // SIMCLR_SERVER_SIMCLR_SERVER_H_
