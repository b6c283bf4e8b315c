// simclr-worker: runs one job in its own process (see DESIGN.md, "Why a
// worker process per job"). simclrd spawns it; users may run it alone.
//
//   simclr-worker run    --spec FILE --job_dir DIR   start a job
//   simclr-worker resume --spec FILE --job_dir DIR   continue from the
//                                                    newest checkpoint (a
//                                                    fine-tune: after its
//                                                    finished runs)
//   simclr-worker validate --spec FILE               parse and print a spec
//   simclr-worker table REPORT.json...              one Markdown table over
//                                                    evaluation reports
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
// Exit codes: 0 done; 1 the job failed; 2 bad usage; 75 stopped on request
// with a checkpoint (EX_TEMPFAIL: try again later).
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
#include "core/common/blis_kernels.h"
#include "core/common/event_sink.h"
#include "core/common/job_spec_json.h"
#include "core/common/npy_writer.h"
#include "core/common/process_setup.h"
#include "core/data/data_source.h"
#include "core/eval/eval_report.h"
#include "core/eval/features.h"
#include "core/eval/finetune_job.h"
#include "core/eval/linear_eval_job.h"
#include "core/eval/tsne_job.h"
#include "core/runtime/device.h"
#include "core/runtime/script_execution.h"
#include "core/runtime/threads.h"
#include "core/train/checkpoint.h"
#include "core/train/pretrainer.h"
#include "glog/logging.h"

namespace {

constexpr int kExitFailed = 1;
constexpr int kExitUsage = 2;
constexpr int kExitStopped = 75;

std::atomic<bool> stop_requested{false};

void RequestStop(int) { stop_requested.store(true); }

int RunValidate(const std::string& spec_path) {
  auto spec = simclr::core::ReadJobSpecFile(spec_path);
  if (!spec.ok()) {
    std::cerr << "simclr-worker validate: " << spec.status().message() << "\n";
    return kExitFailed;
  }
  if (spec->kind_case() == simclr::v1::JobSpec::KIND_NOT_SET) {
    std::cerr << "simclr-worker validate: " << spec_path
              << ": no job kind (pretrain, linear_eval, finetune or tsne)\n";
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
  if (!spec.ok() || spec->kind_case() != simclr::v1::JobSpec::kPretrain) {
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

int RunJob(const std::string& spec_path, const std::string& job_dir,
           const std::string& device_flag, const std::string& events_mode,
           bool resume, bool stop_with_parent) {
  auto spec = simclr::core::ReadJobSpecFile(spec_path);
  if (!spec.ok()) {
    LOG(ERROR) << spec.status().message();
    return kExitFailed;
  }
  const std::string device_name =
      device_flag.empty() ? spec->device() : device_flag;
  auto device = simclr::core::ResolveDevice(device_name);
  if (!device.ok()) {
    LOG(ERROR) << "device: " << device.status().message();
    return kExitFailed;
  }
  simclr::core::ConfigureScriptExecution(*device);
  const bool delimited =
      events_mode == "delimited" || (events_mode == "auto" && !isatty(1));
  simclr::core::FileSink sink(
      stdout, delimited ? simclr::core::FileSink::Format::kDelimited
                        : simclr::core::FileSink::Format::kJsonLines);

  signal(SIGTERM, RequestStop);
  signal(SIGINT, RequestStop);
  if (stop_with_parent) {
    // If simclrd dies (even by kill -9), checkpoint and stop rather than
    // train on unobserved; a closed events pipe must not kill us mid-write.
    prctl(PR_SET_PDEATHSIG, SIGTERM);
    signal(SIGPIPE, SIG_IGN);
    if (getppid() == 1) RequestStop(SIGTERM);
  }
  // One worker per job folder: a restarted server's worker waits here
  // until the previous one has written its checkpoint and exited.
  if (auto status = simclr::core::CreateJobDir(job_dir); !status.ok()) {
    LOG(ERROR) << status.message();
    return kExitFailed;
  }
  const int lock_fd = open((job_dir + "/.lock").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (lock_fd < 0 || flock(lock_fd, LOCK_EX | LOCK_NB) != 0) {
    LOG(INFO) << "waiting for the other worker on " << job_dir << " to exit";
    if (lock_fd < 0 || flock(lock_fd, LOCK_EX) != 0) {
      LOG(ERROR) << job_dir << "/.lock: cannot lock";
      return kExitFailed;
    }
  }

  simclr::core::JobRun run;
  run.job_dir = job_dir;
  run.spec_dir = std::filesystem::path(spec_path).parent_path().string();
  run.device = *device;
  run.resume = resume;
  run.stop = &stop_requested;
  absl::Status status;
  switch (spec->kind_case()) {
    case simclr::v1::JobSpec::kPretrain:
      status = simclr::core::RunPretraining(*spec, run, sink);
      break;
    case simclr::v1::JobSpec::KIND_NOT_SET:
      LOG(ERROR) << spec_path << ": no job kind";
      return kExitFailed;
    case simclr::v1::JobSpec::kLinearEval:
      status = simclr::core::RunLinearEval(*spec, run, sink);
      break;
    case simclr::v1::JobSpec::kFinetune:
      status = simclr::core::RunFinetune(*spec, run, sink);
      break;
    case simclr::v1::JobSpec::kTsne:
      status = simclr::core::RunTsneJob(*spec, run, sink);
      break;
  }
  if (absl::IsAborted(status)) {
    LOG(INFO) << status.message();
    return kExitStopped;
  }
  if (!status.ok()) {
    LOG(ERROR) << "job failed: " << status;
    return kExitFailed;
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  simclr::core::ConfigureMalloc();
  const std::string blis = simclr::core::ChooseBlisKernels();
  simclr::core::InitLogging(argv[0]);
  if (!blis.empty()) LOG(INFO) << blis;

  CLI::App app{
      "simclr-worker: run one SimCLR job (normally spawned by simclrd)"};
  app.require_subcommand(1);
  int num_threads = 0;
  app.add_option("--num_threads", num_threads,
                 "LibTorch intra-op threads; 0 = one per core")
      ->check(CLI::Range(0, 1024))
      ->capture_default_str();

  std::string spec_path, job_dir, device, events = "auto";
  bool stop_with_parent = false;
  CLI::App* validate = app.add_subcommand(
      "validate", "Parse a JobSpec JSON file strictly and print it back");
  validate->add_option("--spec", spec_path, "JobSpec JSON file")->required();
  CLI::App* run = app.add_subcommand("run", "Run a job from its start");
  CLI::App* resume =
      app.add_subcommand("resume",
                         "Continue a job from its newest checkpoint "
                         "(fine-tuning: after its finished runs)");
  for (CLI::App* command : {run, resume}) {
    command->add_option("--spec", spec_path, "JobSpec JSON file")->required();
    command
        ->add_option("--job_dir", job_dir,
                     "Folder for checkpoints and artifacts")
        ->required();
    command->add_option("--device", device,
                        "cpu, cuda or cuda:N; overrides the spec's device");
    command->add_option("--events", events, "auto, text or delimited")
        ->check(CLI::IsMember({"auto", "text", "delimited"}));
    command->add_flag("--stop_with_parent", stop_with_parent,
                      "Checkpoint and stop when the parent (simclrd) dies");
  }

  std::string checkpoint, out;
  int64_t count = 16;
  CLI::App* features = app.add_subcommand(
      "features", "Write eval-transform features of the first images as .npy");
  features->add_option("--checkpoint", checkpoint, "Checkpoint folder")
      ->required();
  features->add_option("--spec", spec_path, "Pretrain JobSpec naming the data")
      ->required();
  features->add_option("--count", count, "Images")
      ->check(CLI::Range(1, 1000000));
  features->add_option("--out", out, ".npy file to write")->required();

  std::vector<std::string> reports;
  CLI::App* table = app.add_subcommand(
      "table", "Print one Markdown table over evaluation report.json files");
  table->add_option("reports", reports, "report.json files")
      ->required()
      ->check(CLI::ExistingFile);

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    return kExitUsage;
  }

  if (auto status = simclr::core::ConfigureTorchThreads(num_threads);
      !status.ok()) {
    std::cerr << "simclr-worker: --num_threads: " << status.message() << "\n";
    return kExitUsage;
  }
  if (validate->parsed()) return RunValidate(spec_path);
  if (table->parsed()) return RunTable(reports);
  if (features->parsed()) return RunFeatures(checkpoint, spec_path, count, out);
  if (run->parsed()) {
    return RunJob(spec_path, job_dir, device, events, false, stop_with_parent);
  }
  if (resume->parsed()) {
    return RunJob(spec_path, job_dir, device, events, true, stop_with_parent);
  }
  return kExitUsage;
}
