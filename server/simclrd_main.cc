// simclrd: the SimCLR training and embedding service.
//
// Exit codes: 0 after a clean SIGTERM/SIGINT shutdown; 1 when it cannot
// start (a bad flag, the port in use, a data dir that is not writable), with
// the reason on stderr.
#include <signal.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <algorithm>

#include "absl/flags/flag.h"
#include "absl/flags/marshalling.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "core/common/atomic_file.h"
#include "core/common/blis_kernels.h"
#include "core/common/process_setup.h"
#include "core/runtime/device.h"
#include "core/runtime/threads.h"
#include "glog/logging.h"
#include "server/simclr_server.h"
#include "server/termination_signals.h"

ABSL_FLAG(std::string, host, "127.0.0.1",
          "Address to bind the gRPC port to (0.0.0.0 for all). Without "
          "--auth_tokens_file only a loopback address, unless --insecure_no_auth.");
ABSL_FLAG(bool, insecure_no_auth, false,
          "Allow a non-loopback --host without --auth_tokens_file: every caller "
          "is the one user 'local'.");
ABSL_FLAG(std::string, metrics_host, "",
          "Address of the /metrics port; empty: --host.");
ABSL_FLAG(int, port, 50051, "gRPC port; 0 picks a free one.");
ABSL_FLAG(int, metrics_port, 9464,
          "Prometheus /metrics port; 0 picks a free one, -1 disables.");
ABSL_FLAG(std::string, data_dir, "simclr-data",
          "Directory holding the database, datasets and jobs.");
ABSL_FLAG(std::string, device, "cpu",
          "Default device for jobs and embeddings: cpu, cuda or cuda:N.");
ABSL_FLAG(int, num_threads, 1,
          "LibTorch intra-op threads of each embedding forward (the server's "
          "only LibTorch compute); 0 = one per core. 1 with one lane per core "
          "beats 2 threads on one lane (bench_embedding_throughput).");
ABSL_FLAG(std::string, ready_file, "",
          "If set, write {\"grpc_port\":…,\"metrics_port\":…,\"pid\":…} here "
          "once every port is listening (atomically, via rename).");
ABSL_FLAG(double, shutdown_grace_seconds, 10,
          "How long SIGTERM waits for running jobs to checkpoint, and then for "
          "calls in flight, before killing or cancelling them.");
ABSL_FLAG(std::string, worker_path, "",
          "The simclr-worker binary; empty: the one next to simclrd, or in "
          "the build tree's core/ beside server/.");
ABSL_FLAG(int, max_concurrent_jobs, 1, "Jobs that run at the same time.");
ABSL_FLAG(std::string, devices, "",
          "Device slots, one per rank of a running job: cpu:N (N CPU slots "
          "sharing the cores), cuda:K (one GPU), comma-separated, e.g. cpu:2 "
          "or cuda:0,cuda:1. Empty: --max_concurrent_jobs slots of --device.");
ABSL_FLAG(std::string, tls_cert, "", "PEM certificate chain: serve gRPC over TLS.");
ABSL_FLAG(std::string, tls_key, "", "PEM private key of --tls_cert.");
ABSL_FLAG(std::string, tls_client_ca, "",
          "PEM CA: clients must present a certificate it signed (mTLS).");
ABSL_FLAG(std::string, auth_tokens_file, "",
          "Lines 'TOKEN PRINCIPAL [user|admin]': every simclr.v1 and reflection "
          "call must send 'authorization: Bearer <token>' (health stays open); "
          "SIGHUP rereads it. Empty: single user 'local'.");
ABSL_FLAG(std::vector<std::string>, allow_local_paths, {},
          "Directories whose files a spec may name by path (realpath inside "
          "one of them); empty: none, data and models must be uploaded.");
ABSL_FLAG(int, max_active_jobs_per_principal, 100,
          "Quota: queued, running and paused jobs of one principal.");
ABSL_FLAG(int64_t, retain_finished_jobs, 0,
          "Keep the N jobs that ended last (record, events, folder, "
          "checkpoints); the others are deleted, except those whose "
          "checkpoints a live job reads. 0: keep all.");
ABSL_FLAG(absl::Duration, retain_finished_jobs_for, absl::ZeroDuration(),
          "Delete ended jobs that ended longer ago than this (e.g. 720h), with "
          "the same exception. 0: no age limit.");
ABSL_FLAG(int64_t, max_stored_bytes_per_principal, int64_t{1} << 40,
          "Quota: bytes one principal's datasets and models take on disk.");
ABSL_FLAG(int64_t, max_upload_bytes, int64_t{4} << 30,
          "Largest dataset upload, all its files together, in bytes.");
ABSL_FLAG(int64_t, max_model_bytes, int64_t{2} << 30,
          "Largest uploaded TorchScript model, in bytes.");
ABSL_FLAG(int64_t, max_image_pixels, int64_t{4096} * 4096,
          "Most pixels (height x width) an uploaded image may have.");
ABSL_FLAG(int, max_upload_streams, 16,
          "Uploads streaming at once (each holds a server thread); past it "
          "UploadDataset gets RESOURCE_EXHAUSTED.");
ABSL_FLAG(int, max_watch_streams, 256,
          "WatchJob streams open at once; past it RESOURCE_EXHAUSTED.");
ABSL_FLAG(int64_t, upload_idle_timeout_seconds, 60,
          "An upload that sends nothing for this long is cancelled and "
          "leaves nothing behind.");
ABSL_FLAG(int, worker_threads, 0,
          "LibTorch threads of a job whose spec says 0; 0 = one per core.");
ABSL_FLAG(double, stop_grace_seconds, 10,
          "Cancel and pause: how long a worker may take to checkpoint and "
          "exit after SIGTERM before SIGKILL.");

ABSL_FLAG(int64_t, embed_max_batch, 64,
          "Embedding: most images merged into one encoder forward.");
ABSL_FLAG(int64_t, embed_max_queue_delay_us, 1000,
          "Embedding: longest a request waits for its batch to fill, in µs.");
ABSL_FLAG(int64_t, embed_max_queue, 4096,
          "Embedding: images admitted and not yet answered; past it requests "
          "get RESOURCE_EXHAUSTED.");
ABSL_FLAG(int, embed_lanes, 0,
          "Embedding: threads forming and running batches, each forward with "
          "--num_threads intra-op threads; 0 = one per core on CPU, 1 on CUDA.");
ABSL_FLAG(int64_t, embed_cache_models, 4, "Embedding: encoders kept loaded (LRU).");
ABSL_FLAG(int64_t, embed_cache_bytes, int64_t{2} << 30,
          "Embedding: parameter bytes of the encoders kept loaded (LRU).");

namespace {

bool WriteReadyFile(const std::string& path, int grpc_port, int metrics_port) {
  return simclr::core::WriteFileAtomically(
             path, absl::StrCat("{\"grpc_port\": ", grpc_port,
                                ", \"metrics_port\": ", metrics_port,
                                ", \"pid\": ", getpid(), "}\n"))
      .ok();
}

// simclr-worker beside this binary (an install), else the build tree's
// core/simclr-worker (simclrd lives in server/).
std::string DefaultWorkerPath() {
  std::error_code error;
  const auto self = std::filesystem::read_symlink("/proc/self/exe", error);
  if (error) return "simclr-worker";
  for (const auto& candidate :
       {self.parent_path() / "simclr-worker",
        self.parent_path().parent_path() / "core" / "simclr-worker"}) {
    if (std::filesystem::exists(candidate)) return candidate.string();
  }
  return (self.parent_path() / "simclr-worker").string();
}

// ServerOptions from the flags; `cuda` picks the embedding lanes' default.
simclr::server::ServerOptions OptionsFromFlags(bool cuda) {
  simclr::server::ServerOptions options;
  options.host = absl::GetFlag(FLAGS_host);
  options.insecure_no_auth = absl::GetFlag(FLAGS_insecure_no_auth);
  options.metrics_host = absl::GetFlag(FLAGS_metrics_host);
  options.allow_local_paths = absl::GetFlag(FLAGS_allow_local_paths);
  options.max_active_jobs_per_principal = absl::GetFlag(FLAGS_max_active_jobs_per_principal);
  options.max_stored_bytes_per_principal = absl::GetFlag(FLAGS_max_stored_bytes_per_principal);
  options.retain_finished_jobs = absl::GetFlag(FLAGS_retain_finished_jobs);
  options.retain_finished_jobs_for = absl::GetFlag(FLAGS_retain_finished_jobs_for);
  options.port = absl::GetFlag(FLAGS_port);
  options.metrics_port = absl::GetFlag(FLAGS_metrics_port);
  options.data_dir = absl::GetFlag(FLAGS_data_dir);
  options.worker_path = absl::GetFlag(FLAGS_worker_path).empty()
                            ? DefaultWorkerPath()
                            : absl::GetFlag(FLAGS_worker_path);
  options.max_concurrent_jobs = absl::GetFlag(FLAGS_max_concurrent_jobs);
  options.devices = absl::GetFlag(FLAGS_devices);
  options.auth_tokens_file = absl::GetFlag(FLAGS_auth_tokens_file);
  options.tls_cert = absl::GetFlag(FLAGS_tls_cert);
  options.tls_key = absl::GetFlag(FLAGS_tls_key);
  options.tls_client_ca = absl::GetFlag(FLAGS_tls_client_ca);
  options.max_upload_bytes = absl::GetFlag(FLAGS_max_upload_bytes);
  options.max_image_pixels = absl::GetFlag(FLAGS_max_image_pixels);
  options.max_model_bytes = absl::GetFlag(FLAGS_max_model_bytes);
  options.max_upload_streams = absl::GetFlag(FLAGS_max_upload_streams);
  options.max_watch_streams = absl::GetFlag(FLAGS_max_watch_streams);
  options.upload_idle_timeout = absl::Seconds(absl::GetFlag(FLAGS_upload_idle_timeout_seconds));
  options.device = absl::GetFlag(FLAGS_device);
  options.worker_threads = absl::GetFlag(FLAGS_worker_threads);
  options.stop_grace = absl::Seconds(absl::GetFlag(FLAGS_stop_grace_seconds));
  options.embedding.max_batch = absl::GetFlag(FLAGS_embed_max_batch);
  options.embedding.max_queue_delay =
      absl::Microseconds(absl::GetFlag(FLAGS_embed_max_queue_delay_us));
  options.embedding.max_queued_images = absl::GetFlag(FLAGS_embed_max_queue);
  options.embedding.lanes = absl::GetFlag(FLAGS_embed_lanes);
  if (options.embedding.lanes == 0) {
    options.embedding.lanes = cuda ? 1 : std::max(1u, std::thread::hardware_concurrency());
  }
  options.embedding.cache_models = absl::GetFlag(FLAGS_embed_cache_models);
  options.embedding.cache_bytes = absl::GetFlag(FLAGS_embed_cache_bytes);
  return options;
}

// Logs where it serves and writes --ready_file; false if that fails.
bool AnnounceServing(const simclr::server::ServerOptions& options,
                     const simclr::server::SimclrServer& server, const c10::Device& device) {
  const int grpc_port = server.grpc_port();
  const int metrics_port = server.metrics_port();
  LOG(INFO) << "simclrd serving gRPC on " << options.host << ":" << grpc_port << ", device "
            << device.str() << ", " << simclr::core::TorchIntraOpThreads()
            << " intra-op threads, " << options.embedding.lanes << " embedding lane(s)";
  if (metrics_port > 0) {
    LOG(INFO) << "metrics on http://" << (options.metrics_host.empty() ? options.host : options.metrics_host) << ":" << metrics_port << "/metrics";
  }
  const std::string ready_file = absl::GetFlag(FLAGS_ready_file);
  if (!ready_file.empty() && !WriteReadyFile(ready_file, grpc_port, metrics_port)) {
    LOG(ERROR) << "--ready_file " << ready_file << ": cannot write";
    return false;
  }
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  // No ConfigureMalloc() here: its 1 GiB trim threshold speeds up training
  // loops (workers), but would keep every freed upload buffer resident in
  // the server (measured: +100 MiB over a 1 GiB upload).
  absl::SetProgramUsageMessage("simclrd --port=50051 --metrics_port=9464 --data_dir=DIR");
  absl::ParseCommandLine(argc, argv);
  // Before the first matrix product; the workers inherit the choice.
  const std::string blis = simclr::core::ChooseBlisKernels();
  simclr::core::InitLogging(argv[0]);
  if (!blis.empty()) LOG(INFO) << blis;
  // Before any thread exists, so that every thread inherits the mask.
  simclr::server::BlockTerminationSignals();

  const auto device = simclr::core::ResolveDevice(absl::GetFlag(FLAGS_device));
  if (!device.ok()) {
    LOG(ERROR) << "--device: " << device.status().message();
    return 1;
  }
  if (auto status = simclr::core::ConfigureTorchThreads(absl::GetFlag(FLAGS_num_threads));
      !status.ok()) {
    LOG(ERROR) << "--num_threads: " << status.message();
    return 1;
  }
  const simclr::server::ServerOptions options = OptionsFromFlags(device->is_cuda());
  auto server = simclr::server::SimclrServer::Create(options);
  if (!server.ok()) {
    LOG(ERROR) << "simclrd cannot start: " << server.status();
    return 1;
  }
  if (!AnnounceServing(options, **server, *device)) return 1;
  int signal_number = simclr::server::WaitForSignal();
  for (; signal_number == SIGHUP; signal_number = simclr::server::WaitForSignal()) {
    if (auto status = (*server)->ReloadTokens(); !status.ok()) {
      LOG(ERROR) << "SIGHUP: " << status.message() << "; the previous tokens stay";
    }
  }
  LOG(INFO) << "received signal " << signal_number << ", shutting down";
  (*server)->Shutdown(absl::Seconds(absl::GetFlag(FLAGS_shutdown_grace_seconds)));
  server->reset();
  LOG(INFO) << "simclrd stopped";
  return 0;
}
