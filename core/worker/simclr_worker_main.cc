// simclr-worker: runs one job in its own process (see DESIGN.md, "Why a
// worker process per job"). simclrd spawns it; users may run it alone.
//
//   simclr-worker run    --spec FILE --job_dir DIR   start a job
//   simclr-worker resume --spec FILE --job_dir DIR   continue from the
//                                                    newest checkpoint (an
//                                                    evaluation: after its
//                                                    finished runs)
//   simclr-worker validate --spec FILE               parse and print a spec
//   simclr-worker table REPORT.json...              one Markdown table over
//                                                    evaluation reports
//   simclr-worker probe-model --module F [--channels C --size S]
//                        load a TorchScript encoder and find its input by
//                        dry runs; one JSON line on stdout (simclrd runs it
//                        on every uploaded model)
//   simclr-worker features --checkpoint DIR --spec FILE --count N --out F
//                        features of the spec's first N training images
//                        through the checkpoint's encoder.pt and eval
//                        transform, as a float32 .npy (interop checks)
//
// Events go to stdout: length-delimited JobEvent protobufs when stdout is
// not a terminal (how simclrd reads them), JSON lines on a terminal;
// --events overrides. Logs go to stderr.
//
// SIGTERM or SIGINT: the current step finishes, a checkpoint is written and
// the worker exits with kExitStopped; `resume` continues exactly.
//
// Several ranks (a pretraining job with num_ranks > 1): start one worker
// per rank with the torchrun environment (RANK, WORLD_SIZE, LOCAL_RANK,
// MASTER_ADDR, MASTER_PORT) and the same spec and job folder, as simclrd,
// torchrun or a Kubeflow PyTorchJob does. Rank 0 writes the checkpoints
// and the events; the others report only a failure. See docs/distributed.md.
//
// Exit codes, and how a failure is reported: core/worker/worker_protocol.h.
#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <memory>
#include <string>

#include "CLI/CLI.hpp"
#include "absl/strings/str_cat.h"
#include "core/common/blis_kernels.h"
#include "core/common/event_sink.h"
#include "core/common/job_spec_json.h"
#include "core/common/layout.h"
#include "core/common/npy_writer.h"
#include "core/common/process_setup.h"
#include "core/common/status_macros.h"
#include "core/data/data_source.h"
#include "core/common/rank_env.h"
#include "core/distributed/rank_group.h"
#include "core/eval/eval_report.h"
#include "core/inference/features.h"
#include "core/runtime/device.h"
#include "core/runtime/script_execution.h"
#include "core/runtime/threads.h"
#include "core/spec/job_kinds.h"
#include "core/train/checkpoint.h"
#include "core/worker/job_runners.h"
#include "core/worker/model_probe.h"
#include "core/worker/rank_setup.h"
#include "core/worker/worker_protocol.h"
#include "glog/logging.h"

namespace {

using simclr::core::kExitFailed;
using simclr::core::kExitStopped;
using simclr::core::kExitUsage;

std::atomic<bool> stop_requested{false};

void RequestStop(int) { stop_requested.store(true); }

int RunValidate(const std::string& spec_path) {
  auto spec = simclr::core::ReadJobSpecFile(spec_path);
  if (!spec.ok()) {
    std::cerr << "simclr-worker validate: " << spec.status().message() << "\n";
    return kExitFailed;
  }
  if (auto status = simclr::core::ValidateJobSpec(*spec); !status.ok()) {
    std::cerr << "simclr-worker validate: " << spec_path << ": "
              << status.message() << "\n";
    return kExitFailed;
  }
  auto json = simclr::core::JobSpecToJson(*spec);
  if (!json.ok()) {
    std::cerr << "simclr-worker validate: " << json.status() << "\n";
    return kExitFailed;
  }
  std::cout << *json;
  return 0;
}

int RunFeatures(const std::string& checkpoint, const std::string& spec_path,
                int64_t count, const std::string& out) {
  auto spec = simclr::core::ReadJobSpecFile(spec_path);
  if (!spec.ok() || !spec->has_pretrain()) {
    LOG(ERROR) << spec_path << ": need a pretrain spec for its data source";
    return kExitFailed;
  }
  auto dataset = simclr::core::LoadDataSource(
      spec->pretrain().data().train(), 0,
      std::filesystem::path(spec_path).parent_path().string(),
      "pretrain.data.train");
  if (!dataset.ok()) {
    LOG(ERROR) << dataset.status();
    return kExitFailed;
  }
  simclr::core::Encoder encoder;
  if (auto status = simclr::core::LoadEncoderModule(checkpoint, &encoder);
      !status.ok()) {
    LOG(ERROR) << status;
    return kExitFailed;
  }
  auto shape = simclr::core::ResolveInputShape(
      spec->pretrain().input(), dataset->height, dataset->channels);
  if (!shape.ok()) {
    LOG(ERROR) << shape.status();
    return kExitFailed;
  }
  std::vector<int64_t> indices;
  for (int64_t i = 0; i < std::min(count, dataset->size()); ++i)
    indices.push_back(i);
  const at::Tensor features =
      simclr::core::ExtractFeatures(encoder.module, *dataset, indices, *shape,
                                    256, c10::Device(c10::kCPU))
          .contiguous();
  if (auto status = simclr::core::WriteNpyFloat32(
          out, features.data_ptr<float>(), features.size(0), features.size(1));
      !status.ok()) {
    LOG(ERROR) << status;
    return kExitFailed;
  }
  return 0;
}

int RunTable(const std::vector<std::string>& paths) {
  std::vector<simclr::v1::EvalReport> reports;
  for (const auto& path : paths) {
    auto report = simclr::core::ReadEvalReport(path);
    if (!report.ok()) {
      std::cerr << "simclr-worker table: " << report.status().message() << "\n";
      return kExitFailed;
    }
    reports.push_back(*std::move(report));
  }
  std::cout << simclr::core::EvalTableMarkdown(reports);
  return 0;
}

// Stop on SIGTERM or SIGINT; with `stop_with_parent`, also when simclrd
// dies (even by kill -9), rather than train on unobserved.
void HandleStopSignals(bool stop_with_parent) {
  signal(SIGTERM, RequestStop);
  signal(SIGINT, RequestStop);
  if (!stop_with_parent) return;
  prctl(PR_SET_PDEATHSIG, SIGTERM);
  // A closed events pipe must not kill us mid-write.
  signal(SIGPIPE, SIG_IGN);
  if (getppid() == 1) RequestStop(SIGTERM);
}

// One worker per job folder and rank: a restarted server's worker waits
// here until the previous one has written its checkpoint and exited.
absl::Status LockJobDir(const std::string& job_dir, int rank) {
  SIMCLR_RETURN_IF_ERROR(simclr::core::CreateJobDir(job_dir));
  namespace layout = simclr::core::layout;
  const std::string lock =
      layout::RunFile(job_dir, rank == 0 ? std::string(layout::kLockFile)
                                         : absl::StrCat(layout::kLockFile, ".rank", rank));
  const int lock_fd = open(lock.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (lock_fd >= 0 && flock(lock_fd, LOCK_EX | LOCK_NB) == 0) {
    return absl::OkStatus();
  }
  LOG(INFO) << "waiting for the other worker on " << job_dir << " to exit";
  if (lock_fd < 0 || flock(lock_fd, LOCK_EX) != 0) {
    return absl::FailedPreconditionError(lock + ": cannot lock");
  }
  return absl::OkStatus();
}

// A runner that reports success must have written its kind's artifacts.
absl::Status CheckArtifacts(const simclr::core::JobKindInfo& kind,
                            const std::string& job_dir) {
  for (const std::string& artifact : kind.artifacts) {
    if (!std::filesystem::exists(std::filesystem::path(job_dir) / artifact)) {
      return absl::InternalError(absl::StrCat(
          "the ", kind.name, " job finished without writing ", artifact));
    }
  }
  return absl::OkStatus();
}

absl::Status RunKind(const std::string& spec_path, simclr::core::JobRun& run,
                     const std::string& device_flag, const simclr::core::RankTimeouts& rank_timeouts,
                     std::unique_ptr<simclr::core::RankGroup>& ranks, simclr::core::RankSink& sink) {
  SIMCLR_ASSIGN_OR_RETURN(const simclr::v1::JobSpec spec,
                          simclr::core::ReadJobSpecFile(spec_path));
  SIMCLR_RETURN_IF_ERROR(simclr::core::ValidateJobSpec(spec));
  SIMCLR_ASSIGN_OR_RETURN(const simclr::core::RankEnv env,
                          simclr::core::ReadRankEnvFromProcess());
  SIMCLR_RETURN_IF_ERROR(simclr::core::CheckRanks(spec, env));
  sink.set_rank(env.rank);
  SIMCLR_ASSIGN_OR_RETURN(
      run.device,
      simclr::core::ResolveDevice(device_flag.empty() ? spec.device() : device_flag));
  run.device = simclr::core::RankDevice(run.device, env);
  simclr::core::ConfigureScriptExecution(run.device);
  SIMCLR_RETURN_IF_ERROR(LockJobDir(run.job_dir, env.rank));
  if (env.distributed()) {
    LOG(INFO) << "rank " << env.rank << " of " << env.world_size << ": meeting at "
              << env.master_addr << ":" << env.master_port;
    SIMCLR_ASSIGN_OR_RETURN(ranks,
                            simclr::core::RankGroup::Join(env, run.device, rank_timeouts));
    run.ranks = ranks.get();
  }
  const simclr::core::JobKindInfo& kind = *simclr::core::FindJobKind(spec);
  const simclr::core::JobRunner runner = simclr::core::RunnerFor(kind.kind);
  if (runner == nullptr) {
    return absl::UnimplementedError(absl::StrCat("no runner for ", kind.name));
  }
  SIMCLR_RETURN_IF_ERROR(runner(spec, run, sink));
  // Rank 0 writes the artifacts, maybe after this rank has finished.
  if (!simclr::core::IsChief(run.ranks)) return absl::OkStatus();
  return CheckArtifacts(kind, run.job_dir);
}

int RunJob(const std::string& spec_path, const std::string& job_dir,
           const std::string& device_flag, const std::string& events_mode,
           bool resume, bool stop_with_parent, const simclr::core::RankTimeouts& rank_timeouts) {
  const bool delimited =
      events_mode == "delimited" || (events_mode == "auto" && !isatty(1));
  simclr::core::FileSink stdout_sink(
      stdout, delimited ? simclr::core::FileSink::Format::kDelimited
                        : simclr::core::FileSink::Format::kJsonLines);
  simclr::core::RankSink sink(stdout_sink);
  HandleStopSignals(stop_with_parent);
  simclr::core::JobRun run;
  run.job_dir = job_dir;
  run.spec_dir = std::filesystem::path(spec_path).parent_path().string();
  run.resume = resume;
  run.stop = &stop_requested;
  std::unique_ptr<simclr::core::RankGroup> ranks;
  const absl::Status status = RunKind(spec_path, run, device_flag, rank_timeouts, ranks, sink);
  if (ranks != nullptr && ranks->lost_peer()) {
    LOG(ERROR) << "rank " << ranks->rank() << " stops: " << status.message();
    return simclr::core::kExitPeerLost;
  }
  if (absl::IsAborted(status)) {
    LOG(INFO) << status.message();
    return kExitStopped;
  }
  if (!status.ok()) {
    LOG(ERROR) << "job failed: " << status;
    sink.Emit(simclr::core::FailureEvent(status));
    return kExitFailed;
  }
  return simclr::core::kExitSucceeded;
}

int RunProbe(const std::string& module, int channels, int size) {
  auto probe = simclr::core::ProbeModel(module, channels, size);
  if (!probe.ok()) {
    std::cerr << probe.status().message() << "\n";
    return kExitFailed;
  }
  std::cout << simclr::core::ModelProbeJson(*probe) << "\n";
  return simclr::core::kExitSucceeded;
}

// The command line, as parsed.
struct WorkerCommands {
  CLI::App *validate = nullptr, *run = nullptr, *resume = nullptr, *features = nullptr,
           *table = nullptr, *probe = nullptr;
  int probe_channels = 0, probe_size = 0;
  int num_threads = 0;
  std::string spec_path, job_dir, device, events = "auto", checkpoint, out;
  bool stop_with_parent = false;
  int rendezvous_timeout_s = 300, collective_timeout_s = 300;
  int64_t count = 16;
  std::vector<std::string> reports;
};

void AddRunCommands(CLI::App& app, WorkerCommands& c) {
  c.validate = app.add_subcommand("validate",
                                  "Check a JobSpec JSON file as simclrd's Submit does and "
                                  "print it back");
  c.validate->add_option("--spec", c.spec_path, "JobSpec JSON file")->required();
  c.run = app.add_subcommand("run", "Run a job from its start");
  c.resume = app.add_subcommand(
      "resume", "Continue a job from its newest checkpoint (evaluations: after their finished runs)");
  for (CLI::App* command : {c.run, c.resume}) {
    command->add_option("--spec", c.spec_path, "JobSpec JSON file")->required();
    command->add_option("--job_dir", c.job_dir, "Folder for checkpoints and artifacts")
        ->required();
    command->add_option("--device", c.device,
                        "cpu, cuda or cuda:N; overrides the spec's device");
    command->add_option("--events", c.events, "auto, text or delimited")
        ->check(CLI::IsMember({"auto", "text", "delimited"}))
        ->capture_default_str();
    command->add_flag("--stop_with_parent", c.stop_with_parent,
                      "Checkpoint and stop when the parent (simclrd) dies");
    command->add_option("--rendezvous_timeout_s", c.rendezvous_timeout_s,
                        "Several ranks: seconds to wait for all of them to arrive")
        ->check(CLI::Range(1, 86400))
        ->capture_default_str();
    command->add_option("--collective_timeout_s", c.collective_timeout_s,
                        "Several ranks: seconds one all-reduce or all-gather may wait")
        ->check(CLI::Range(1, 86400))
        ->capture_default_str();
  }
}

void AddToolCommands(CLI::App& app, WorkerCommands& c) {
  c.features = app.add_subcommand(
      "features", "Write eval-transform features of the first images as .npy");
  c.features->add_option("--checkpoint", c.checkpoint, "Checkpoint folder")->required();
  c.features->add_option("--spec", c.spec_path, "Pretrain JobSpec naming the data")
      ->required();
  c.features->add_option("--count", c.count, "Images")->check(CLI::Range(1, 1000000));
  c.features->add_option("--out", c.out, ".npy file to write")->required();
  c.probe = app.add_subcommand(
      "probe-model", "Load a TorchScript encoder, find its input by dry runs, print JSON");
  c.probe->add_option("--module", c.checkpoint, "The .pt file")->required();
  c.probe->add_option("--channels", c.probe_channels, "Input channels; 0: try the usual shapes")
      ->check(CLI::Range(0, 4));
  c.probe->add_option("--size", c.probe_size, "Input side; 0: try the usual shapes")
      ->check(CLI::Range(0, 1024));
  c.table = app.add_subcommand(
      "table", "Print one Markdown table over evaluation report.json files");
  c.table->add_option("reports", c.reports, "report.json files")
      ->required()
      ->check(CLI::ExistingFile);
}

int Dispatch(const WorkerCommands& c) {
  if (c.validate->parsed()) return RunValidate(c.spec_path);
  if (c.table->parsed()) return RunTable(c.reports);
  if (c.probe->parsed()) return RunProbe(c.checkpoint, c.probe_channels, c.probe_size);
  if (c.features->parsed()) return RunFeatures(c.checkpoint, c.spec_path, c.count, c.out);
  if (c.run->parsed() || c.resume->parsed()) {
    simclr::core::RankTimeouts rank_timeouts;
    rank_timeouts.rendezvous = std::chrono::seconds(c.rendezvous_timeout_s);
    rank_timeouts.collective = std::chrono::seconds(c.collective_timeout_s);
    return RunJob(c.spec_path, c.job_dir, c.device, c.events, c.resume->parsed(),
                  c.stop_with_parent, rank_timeouts);
  }
  return kExitUsage;
}

}  // namespace

int main(int argc, char** argv) {
  simclr::core::ConfigureMalloc();
  const std::string blis = simclr::core::ChooseBlisKernels();
  simclr::core::InitLogging(argv[0]);
  if (!blis.empty()) LOG(INFO) << blis;

  CLI::App app{"simclr-worker: run one SimCLR job (normally spawned by simclrd)"};
  app.require_subcommand(1);
  WorkerCommands commands;
  app.add_option("--num_threads", commands.num_threads,
                 "LibTorch intra-op threads; 0 = one per core")
      ->check(CLI::Range(0, 1024))
      ->capture_default_str();
  AddRunCommands(app, commands);
  AddToolCommands(app, commands);
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    return kExitUsage;
  }
  if (auto status = simclr::core::ConfigureTorchThreads(commands.num_threads); !status.ok()) {
    std::cerr << "simclr-worker: --num_threads: " << status.message() << "\n";
    return kExitUsage;
  }
  return Dispatch(commands);
}
