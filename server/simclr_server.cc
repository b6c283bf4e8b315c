#include "server/simclr_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <system_error>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "core/common/layout.h"
#include "core/common/status_macros.h"
#include "core/runtime/device.h"
#include "grpcpp/ext/proto_server_reflection_plugin.h"
#include "grpcpp/health_check_service_interface.h"
#include "grpcpp/security/server_credentials.h"
#include "grpcpp/server.h"
#include "grpcpp/server_builder.h"
#include "server/auth/token_auth.h"
#include "glog/logging.h"
#include "server/checkpoints/checkpoint_catalog.h"
#include "server/common/not_found.h"
#include "server/datasets/dataset_manager.h"
#include "server/jobs/job_manager.h"
#include "server/metrics/embed_metrics.h"
#include "server/models/model_manager.h"
#include "server/metrics/grpc_metrics_interceptor.h"
#include "server/metrics/job_metrics.h"
#include "server/metrics/metrics_endpoint.h"
#include "server/metrics/process_collector.h"
#include "server/services/bad_request_interceptor.h"
#include "server/services/checkpoint_service.h"
#include "server/services/reflection_auth_interceptor.h"
#include "server/services/dataset_service.h"
#include "server/services/embedding_service.h"
#include "server/services/job_service.h"
#include "server/services/model_service.h"
#include "server/store/dataset_store.h"
#include "server/store/job_store.h"
#include "simclr/v1/checkpoint.grpc.pb.h"
#include "simclr/v1/dataset.grpc.pb.h"
#include "simclr/v1/embedding.grpc.pb.h"
#include "simclr/v1/job.grpc.pb.h"

namespace simclr::server {
namespace {

absl::StatusOr<std::string> ReadPem(const std::string& flag, const std::string& path) {
  std::ifstream in(path);
  std::string pem((std::istreambuf_iterator<char>(in)), {});
  if (!in.good() && !in.eof()) pem.clear();
  if (!absl::StrContains(pem, "-----BEGIN")) {
    return absl::FailedPreconditionError(
        absl::StrCat("--", flag, " ", path, ": cannot read a PEM file"));
  }
  return pem;
}

// Insecure without --tls_cert; TLS, and mTLS with --tls_client_ca.
absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> ServerCredentials(
    const ServerOptions& options) {
  if (options.tls_cert.empty() && options.tls_key.empty()) {
    if (!options.tls_client_ca.empty()) {
      return absl::InvalidArgumentError("--tls_client_ca needs --tls_cert and --tls_key");
    }
    return grpc::InsecureServerCredentials();
  }
  if (options.tls_cert.empty() || options.tls_key.empty()) {
    return absl::InvalidArgumentError("--tls_cert and --tls_key go together");
  }
  SIMCLR_ASSIGN_OR_RETURN(auto cert, ReadPem("tls_cert", options.tls_cert));
  SIMCLR_ASSIGN_OR_RETURN(auto key, ReadPem("tls_key", options.tls_key));
  grpc::SslServerCredentialsOptions ssl;
  ssl.pem_key_cert_pairs.push_back({key, cert});
  if (!options.tls_client_ca.empty()) {
    SIMCLR_ASSIGN_OR_RETURN(auto ca, ReadPem("tls_client_ca", options.tls_client_ca));
    ssl.pem_root_certs = ca;
    ssl.client_certificate_request =
        GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY;
  }
  return grpc::SslServerCredentials(ssl);
}

absl::Status PrepareDataDir(const std::string& data_dir) {
  if (data_dir.empty()) {
    return absl::InvalidArgumentError("--data_dir: must not be empty");
  }
  std::error_code error;
  std::filesystem::create_directories(data_dir, error);
  if (error) {
    return absl::FailedPreconditionError(absl::StrCat(
        "--data_dir ", data_dir, ": cannot create: ", error.message()));
  }
  // Prove it is writable now rather than at the first upload.
  const auto probe = std::filesystem::path(data_dir) / ".write_probe";
  {
    std::ofstream out(probe);
    if (!(out << "ok")) {
      return absl::FailedPreconditionError(
          absl::StrCat("--data_dir ", data_dir, ": not writable"));
    }
  }
  std::filesystem::remove(probe, error);
  return absl::OkStatus();
}

}  // namespace

SimclrServer::SimclrServer() = default;

namespace {

bool IsLoopback(const std::string& host) {
  if (host == "localhost") return true;
  std::string bare = host;
  if (bare.size() > 2 && bare.front() == '[' && bare.back() == ']') {
    bare = bare.substr(1, bare.size() - 2);
  }
  in_addr v4;
  if (inet_pton(AF_INET, bare.c_str(), &v4) == 1) return (ntohl(v4.s_addr) >> 24) == 127;
  in6_addr v6;
  return inet_pton(AF_INET6, bare.c_str(), &v6) == 1 && IN6_IS_ADDR_LOOPBACK(&v6);
}

// Without tokens every caller is the same all-seeing user: fine on
// loopback, and only on purpose anywhere else.
absl::Status CheckExposure(const ServerOptions& options) {
  if (!options.auth_tokens_file.empty() || options.insecure_no_auth ||
      IsLoopback(options.host)) {
    return absl::OkStatus();
  }
  return absl::FailedPreconditionError(absl::StrCat(
      "--host ", options.host,
      " is not a loopback address and there is no --auth_tokens_file: anyone who can "
      "reach the port would act as the one user; give a tokens file, or "
      "--insecure_no_auth to accept that"));
}

absl::Status CheckFlag(const char* flag, int64_t value, int64_t lo, int64_t hi) {
  if (value >= lo && value <= hi) return absl::OkStatus();
  return absl::InvalidArgumentError(
      absl::StrCat(flag, " ", value, ": must be in [", lo, ", ", hi, "]"));
}

// The flags Create checks before it touches anything.
absl::Status CheckOptions(const ServerOptions& options) {
  if (options.port < 0 || options.port > 65535) {
    return absl::InvalidArgumentError(
        absl::StrCat("--port ", options.port, ": must be in [0, 65535]"));
  }
  if (options.metrics_port > 65535) {
    return absl::InvalidArgumentError(
        absl::StrCat("--metrics_port ", options.metrics_port, ": must be at most 65535"));
  }
  SIMCLR_RETURN_IF_ERROR(CheckExposure(options));
  SIMCLR_RETURN_IF_ERROR(PrepareDataDir(options.data_dir));
  if (options.max_concurrent_jobs < 1) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--max_concurrent_jobs ", options.max_concurrent_jobs, ": must be ≥ 1"));
  }
  SIMCLR_RETURN_IF_ERROR(CheckFlag("--max_upload_bytes", options.max_upload_bytes, 1,
                                   int64_t{1} << 50));
  SIMCLR_RETURN_IF_ERROR(CheckFlag("--max_model_bytes", options.max_model_bytes, 1,
                                   int64_t{1} << 40));
  // OpenCV's own decoder limit is 2^30 pixels.
  SIMCLR_RETURN_IF_ERROR(CheckFlag("--max_image_pixels", options.max_image_pixels, 1,
                                   int64_t{1} << 30));
  SIMCLR_RETURN_IF_ERROR(CheckFlag("--max_upload_streams", options.max_upload_streams, 1, 4096));
  SIMCLR_RETURN_IF_ERROR(CheckFlag("--max_active_jobs_per_principal",
                                   options.max_active_jobs_per_principal, 1, 1000000));
  SIMCLR_RETURN_IF_ERROR(CheckFlag("--retain_finished_jobs", options.retain_finished_jobs, 0,
                                   int64_t{1} << 40));
  if (options.retain_finished_jobs_for < absl::ZeroDuration()) {
    return absl::InvalidArgumentError("--retain_finished_jobs_for: must not be negative");
  }
  SIMCLR_RETURN_IF_ERROR(CheckFlag("--max_stored_bytes_per_principal",
                                   options.max_stored_bytes_per_principal, 0, int64_t{1} << 50));
  SIMCLR_RETURN_IF_ERROR(CheckFlag("--max_watch_streams", options.max_watch_streams, 1, 65536));
  SIMCLR_RETURN_IF_ERROR(CheckFlag("--upload_idle_timeout_seconds",
                                   absl::ToInt64Seconds(options.upload_idle_timeout), 1, 86400));
  if (access(options.worker_path.c_str(), X_OK) != 0) {
    return absl::FailedPreconditionError(
        absl::StrCat("--worker_path ", options.worker_path, ": not an executable file"));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::unique_ptr<SimclrServer>> SimclrServer::Create(
    const ServerOptions& options) {
  SIMCLR_RETURN_IF_ERROR(CheckOptions(options));
  SIMCLR_ASSIGN_OR_RETURN(auto credentials, ServerCredentials(options));
  std::unique_ptr<SimclrServer> server(new SimclrServer());
  if (!options.auth_tokens_file.empty()) {
    SIMCLR_ASSIGN_OR_RETURN(server->auth_,
                            TokenAuthenticator::Load(options.auth_tokens_file));
  }
  SIMCLR_RETURN_IF_ERROR(server->OpenStores(options));
  SIMCLR_RETURN_IF_ERROR(server->StartJobs(options));
  SIMCLR_RETURN_IF_ERROR(server->StartMetrics(options));
  SIMCLR_RETURN_IF_ERROR(server->StartEmbedding(options));
  SIMCLR_RETURN_IF_ERROR(server->StartGrpc(options, std::move(credentials)));
  return server;
}

absl::Status SimclrServer::OpenStores(const ServerOptions& options) {
  const std::string database = core::layout::DatabasePath(options.data_dir);
  SIMCLR_ASSIGN_OR_RETURN(job_store_, JobStore::Open(database));
  SIMCLR_ASSIGN_OR_RETURN(dataset_store_, DatasetStore::Open(database));
  DatasetLimits limits;
  limits.max_upload_bytes = options.max_upload_bytes;
  limits.max_image_pixels = options.max_image_pixels;
  limits.max_stored_bytes_per_principal = options.max_stored_bytes_per_principal;
  // Each quota counts the other kind too; both managers outlive the calls.
  limits.other_stored_bytes = [this](const std::string& owner) {
    return models_->StoredBytesOf(owner);
  };
  SIMCLR_ASSIGN_OR_RETURN(datasets_, DatasetManager::Create(options.data_dir,
                                                            dataset_store_.get(), limits));
  ModelLimits model_limits;
  model_limits.max_model_bytes = options.max_model_bytes;
  model_limits.max_stored_bytes_per_principal = options.max_stored_bytes_per_principal;
  model_limits.other_stored_bytes = [this](const std::string& owner) {
    return datasets_->StoredBytesOf(owner);
  };
  SIMCLR_ASSIGN_OR_RETURN(
      models_, ModelManager::Create(options.data_dir, database, std::move(model_limits),
                                    WorkerModelProber(options.worker_path, absl::Minutes(5))));
  checkpoints_ = std::make_unique<CheckpointCatalog>(options.data_dir);
  return absl::OkStatus();
}

absl::Status SimclrServer::StartJobs(const ServerOptions& options) {
  JobManagerOptions job_options;
  DatasetManager* dataset_manager = datasets_.get();
  job_options.resolve_dataset = [dataset_manager](const std::string& id, const Principal& who) {
    return dataset_manager->LocalSource(id, who);
  };
  ModelManager* model_manager = models_.get();
  job_options.resolve_model = [model_manager](const std::string& id, const Principal& who) {
    return model_manager->LocalPath(id, who);
  };
  SIMCLR_ASSIGN_OR_RETURN(job_options.path_policy, PathPolicy::Create(options.allow_local_paths));
  job_options.max_active_jobs_per_principal = options.max_active_jobs_per_principal;
  job_options.keep_ended_jobs = options.retain_finished_jobs;
  job_options.keep_ended_for = options.retain_finished_jobs_for;
  const CheckpointCatalog* catalog = checkpoints_.get();
  job_options.resolve_checkpoint = [catalog](const std::string& id) {
    return catalog->Folder(id);
  };
  job_options.check_device = [](const std::string& device) {
    return core::ResolveDevice(device).status();
  };
  job_options.data_dir = options.data_dir;
  job_options.worker_path = options.worker_path;
  job_options.default_device = options.device;
  job_options.max_concurrent_jobs = options.max_concurrent_jobs;
  job_options.devices = options.devices;
  job_options.worker_threads = options.worker_threads;
  job_options.stop_grace = options.stop_grace;
  SIMCLR_ASSIGN_OR_RETURN(jobs_, JobManager::Create(job_options, job_store_.get()));
  return absl::OkStatus();
}

absl::Status SimclrServer::StartMetrics(const ServerOptions& options) {
  MetricsEndpoint::Options metrics_options;
  metrics_options.host = options.metrics_host.empty() ? options.host : options.metrics_host;
  metrics_options.port = options.metrics_port;
  SIMCLR_ASSIGN_OR_RETURN(metrics_, MetricsEndpoint::Create(metrics_options));
  metrics_->AddCollectable(std::make_shared<ProcessCollector>());
  metrics_->AddCollectable(
      std::make_shared<JobMetricsCollector>(jobs_.get(), datasets_.get()));
  grpc_metrics_ = std::make_unique<GrpcServerMetrics>(metrics_->registry());
  embed_metrics_ = std::make_unique<EmbedMetrics>(metrics_->registry());
  return absl::OkStatus();
}

absl::Status SimclrServer::StartEmbedding(const ServerOptions& options) {
  EmbeddingOptions embedding = options.embedding;
  embedding.device = options.device;
  embedding.max_image_pixels = options.max_image_pixels;
  SIMCLR_ASSIGN_OR_RETURN(embedding_, EmbeddingRuntime::Create(embedding, checkpoints_.get(),
                                                               embed_metrics_.get()));
  return absl::OkStatus();
}

absl::Status SimclrServer::StartGrpc(const ServerOptions& options,
                                     std::shared_ptr<grpc::ServerCredentials> credentials) {
  services_.push_back(std::make_unique<DatasetServiceImpl>(
      datasets_.get(), jobs_.get(), auth_.get(),
      DatasetServiceImpl::StreamOptions{options.max_upload_streams,
                                        options.upload_idle_timeout}));
  services_.push_back(
      std::make_unique<JobServiceImpl>(jobs_.get(), auth_.get(), options.max_watch_streams,
                                       options.data_dir));
  services_.push_back(std::make_unique<ModelServiceImpl>(
      models_.get(), jobs_.get(), auth_.get(), options.max_upload_streams,
      options.upload_idle_timeout));
  services_.push_back(
      std::make_unique<CheckpointServiceImpl>(checkpoints_.get(), jobs_.get(), auth_.get()));
  JobManager* jobs = jobs_.get();
  ModelAccess access = [jobs](const v1::ModelRef& model, const Principal& who) -> absl::Status {
    if (model.has_job_id()) {
      if (!core::layout::IsJobId(model.job_id())) return absl::OkStatus();
      return jobs->CheckVisible(model.job_id(), who);
    }
    auto parsed = core::layout::ParseCheckpointId(model.checkpoint_id());
    if (!parsed.ok() || jobs->CheckVisible(parsed->first, who).ok()) return absl::OkStatus();
    return CheckpointNotFound(model.checkpoint_id());
  };
  services_.push_back(std::make_unique<EmbeddingServiceImpl>(
      embedding_.get(), auth_.get(), embed_metrics_.get(), std::move(access)));
  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();

  grpc::ServerBuilder builder;
  // gRPC sets SO_REUSEPORT by default: a second simclrd on the same port
  // would silently share its traffic. Fail its start instead.
  builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
  // Explicit message limits: requests are small (upload chunks ≤ 1 MiB),
  // replies up to a 4 MiB download chunk; bulk data always streams.
  builder.SetMaxReceiveMessageSize(8 << 20);
  builder.SetMaxSendMessageSize(8 << 20);
  // Without BDP probing the receive window stays small, so an upload
  // arriving faster than it is written waits in the client, not in server
  // memory: RSS growth over a 1 GiB upload 59.6 MiB → 11.4 MiB, at the
  // same speed (bench_dataset_upload).
  builder.AddChannelArgument(GRPC_ARG_HTTP2_BDP_PROBE, 0);
  const std::string address = absl::StrCat(options.host, ":", options.port);
  builder.AddListeningPort(address, credentials, &grpc_port_);
  for (auto& service : services_) builder.RegisterService(service.get());
  std::vector<std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>>
      interceptors;
  // First, so that the metrics count the code the client gets.
  interceptors.push_back(std::make_unique<BadRequestInterceptorFactory>());
  interceptors.push_back(std::make_unique<GrpcMetricsInterceptorFactory>(grpc_metrics_.get()));
  interceptors.push_back(std::make_unique<ReflectionAuthInterceptorFactory>(auth_.get()));
  builder.experimental().SetInterceptorCreators(std::move(interceptors));
  server_ = builder.BuildAndStart();
  if (server_ == nullptr || grpc_port_ == 0) {
    return absl::UnavailableError(absl::StrCat("cannot listen on ", address, " (port in use?)"));
  }
  server_->GetHealthCheckService()->SetServingStatus(true);
  return absl::OkStatus();
}

int SimclrServer::metrics_port() const { return metrics_->port(); }

absl::Status SimclrServer::ReloadTokens() {
  if (auth_ == nullptr) return absl::OkStatus();
  SIMCLR_RETURN_IF_ERROR(auth_->Reload());
  LOG(INFO) << "--auth_tokens_file reloaded: " << auth_->size() << " tokens";
  return absl::OkStatus();
}

void SimclrServer::Shutdown(absl::Duration grace) {
  {
    absl::MutexLock lock(&shutdown_mu_);
    if (shut_down_) return;
    shut_down_ = true;
  }
  if (server_ != nullptr) {
    server_->GetHealthCheckService()->SetServingStatus(false);
  }
  // Jobs first: their final state changes reach the watchers before the
  // streams are drained.
  if (jobs_ != nullptr) jobs_->Shutdown(grace);
  if (server_ == nullptr) return;
  server_->Shutdown(std::chrono::system_clock::now() +
                    absl::ToChronoNanoseconds(grace));
  // Embedding calls still open were cancelled; the runtime answers what
  // is queued (UNAVAILABLE) so that their reactors can finish.
  if (embedding_ != nullptr) embedding_->Stop();
  server_->Wait();
}

SimclrServer::~SimclrServer() { Shutdown(absl::Seconds(5)); }

}  // namespace simclr::server
