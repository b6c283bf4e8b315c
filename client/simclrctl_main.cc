// simclrctl: the command line over simclrd's gRPC API.
//
// Exit codes: 0 success; 1 the server answered with an error or is not
// serving; 2 bad usage; 3 a watched job ended without succeeding.
// Errors go to stderr; --json prints protobuf JSON (one object per line).
#include <algorithm>
#include <iostream>
#include <string>

#include "CLI/CLI.hpp"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "absl/time/time.h"
#include <unistd.h>

#include "client/channel.h"
#include "client/checkpoint_client.h"
#include "client/dataset_client.h"
#include "client/embed_command.h"
#include "client/health_client.h"
#include "client/job_client.h"
#include "core/common/blis_kernels.h"
#include "core/common/job_spec_json.h"
#include "core/common/process_setup.h"
#include "google/protobuf/util/json_util.h"
#include "google/protobuf/util/time_util.h"

namespace {

constexpr int kExitError = 1;
constexpr int kExitUsage = 2;
constexpr int kExitJobUnsuccessful = 3;

std::string Json(const google::protobuf::Message& message) {
  std::string json;
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = true;
  if (!google::protobuf::util::MessageToJsonString(message, &json, options).ok()) {
    return "{}";
  }
  return json;
}

std::string StateName(simclr::v1::JobState state) {
  std::string name = simclr::v1::JobState_Name(state);
  return name.substr(name.rfind('_') + 1);
}

void PrintJob(const simclr::v1::Job& job, bool json) {
  if (json) {
    std::cout << Json(job) << "\n";
    return;
  }
  std::cout << absl::StrFormat("%-18s %-10s %-12s", job.id(),
                               StateName(job.state()),
                               simclr::v1::JobKind_Name(job.kind()).substr(9));
  if (job.progress().step() > 0) {
    std::cout << absl::StrFormat("  epoch %d step %d/%d loss %.4f",
                                 job.progress().epoch(), job.progress().step(),
                                 job.progress().total_steps(),
                                 job.progress().loss());
  }
  if (!job.spec().display_name().empty()) {
    std::cout << "  " << job.spec().display_name();
  }
  if (!job.error().empty()) std::cout << "\n  error: " << job.error();
  std::cout << "\n";
}

// One human line per event.
std::string Describe(const simclr::v1::JobEvent& event) {
  using google::protobuf::util::TimeUtil;
  switch (event.event_case()) {
    case simclr::v1::JobEvent::kStateChange:
      return absl::StrFormat("%s: %s", StateName(event.state_change().state()),
                             event.state_change().reason());
    case simclr::v1::JobEvent::kProgress: {
      const auto& p = event.progress();
      return absl::StrFormat(
          "epoch %d step %d/%d  loss %.4f  lr %.3g  %.0f samples/s  eta %ds",
          p.epoch(), p.step(), p.total_steps(), p.loss(), p.learning_rate(),
          p.samples_per_second(), TimeUtil::DurationToSeconds(p.eta()));
    }
    case simclr::v1::JobEvent::kEpochSummary: {
      const auto& e = event.epoch_summary();
      std::string line = absl::StrFormat("epoch %d done: train loss %.4f",
                                         e.epoch(), e.train_loss());
      if (e.has_val_loss()) absl::StrAppendFormat(&line, ", val loss %.4f", e.val_loss());
      if (e.has_knn_top1()) absl::StrAppendFormat(&line, ", kNN top-1 %.4f", e.knn_top1());
      return line;
    }
    case simclr::v1::JobEvent::kCheckpoint:
      return absl::StrFormat("checkpoint %s (step %d)", event.checkpoint().path(),
                             event.checkpoint().step());
    case simclr::v1::JobEvent::kEvalResult:
      return "evaluation result: " + Json(event.eval_result());
    case simclr::v1::JobEvent::kArtifact:
      return "artifact: " + Json(event.artifact());
    case simclr::v1::JobEvent::kLog:
      return event.log().message();
    case simclr::v1::JobEvent::EVENT_NOT_SET:
      break;
  }
  return "(empty event)";
}

// "[#####-----]  50%  epoch 3 step 120/240  loss 4.1234  1850 samples/s  eta 42s"
std::string ProgressBar(const simclr::v1::TrainProgress& p) {
  constexpr int kWidth = 24;
  const double done = p.total_steps() > 0
                          ? std::min(1.0, static_cast<double>(p.step()) /
                                              static_cast<double>(p.total_steps()))
                          : 0.0;
  const int filled = static_cast<int>(done * kWidth);
  return absl::StrFormat(
      "[%s%s] %3.0f%%  epoch %d step %d/%d  loss %.4f  %.0f samples/s  eta %ds",
      std::string(static_cast<size_t>(filled), '#'),
      std::string(static_cast<size_t>(kWidth - filled), '-'), 100 * done, p.epoch(),
      p.step(), p.total_steps(), p.loss(), p.samples_per_second(),
      google::protobuf::util::TimeUtil::DurationToSeconds(p.eta()));
}

// Follows a job to its end; the exit code says how it ended.
int WatchJob(simclr::client::JobClient& jobs, const std::string& job_id,
             uint64_t after_seq, bool json) {
  simclr::v1::JobState last_state = simclr::v1::JOB_STATE_UNSPECIFIED;
  // On a terminal, training progress is one bar redrawn in place; every
  // other event is a line above it. Elsewhere, one line per event.
  const bool bar = !json && isatty(1) != 0;
  std::string progress_line;
  const absl::Status status =
      jobs.Watch(job_id, after_seq, [&](const simclr::v1::JobEvent& event) {
        if (event.has_state_change()) last_state = event.state_change().state();
        if (json) {
          std::cout << Json(event) << "\n";
        } else if (bar && event.has_progress()) {
          progress_line = ProgressBar(event.progress());
          std::cout << "\r\033[K" << progress_line;
        } else if (bar) {
          std::cout << "\r\033[K[" << event.seq() << "] " << Describe(event) << "\n"
                    << progress_line;
        } else {
          std::cout << "[" << event.seq() << "] " << Describe(event) << "\n";
        }
        std::cout.flush();
      });
  if (bar && !progress_line.empty()) std::cout << "\n";
  if (!status.ok()) {
    std::cerr << "simclrctl jobs watch " << job_id << ": " << status << "\n";
    return kExitError;
  }
  if (last_state == simclr::v1::JOB_STATE_UNSPECIFIED) {
    auto job = jobs.Get(job_id);
    if (job.ok()) last_state = job->state();
  }
  return last_state == simclr::v1::JOB_STATE_SUCCEEDED ? 0 : kExitJobUnsuccessful;
}

void PrintCheckpoint(const simclr::v1::Checkpoint& c, bool json) {
  if (json) {
    std::cout << Json(c) << "\n";
    return;
  }
  std::cout << absl::StrFormat("%-26s %-18s step %-7d epoch %-4d", c.id(), c.job_id(),
                               c.step(), c.epoch());
  for (const char* metric : {"train_loss", "val_loss", "knn_top1"}) {
    auto it = c.metrics().find(metric);
    if (it != c.metrics().end()) std::cout << absl::StrFormat(" %s %.4f", metric, it->second);
  }
  if (c.is_best()) std::cout << "  (best)";
  std::cout << "\n";
}

// A progress line with rate and ETA on a terminal; nothing otherwise.
class ProgressLine {
 public:
  ProgressLine() : tty_(isatty(2) != 0), start_(absl::Now()) {}
  void operator()(int64_t done_bytes, int64_t total_bytes) {
    if (!tty_ || absl::Now() - last_ < absl::Milliseconds(100)) return;
    const auto done = static_cast<double>(done_bytes);
    const auto total = static_cast<double>(total_bytes);
    last_ = absl::Now();
    const double seconds = absl::ToDoubleSeconds(last_ - start_);
    const double rate = seconds > 0 ? done / seconds : 0;
    std::cerr << absl::StrFormat("\r  %.1f / %.1f MB  %.1f MB/s  eta %.0fs   ",
                                 done / 1e6, total / 1e6, rate / 1e6,
                                 rate > 0 ? (total - done) / rate : 0.0);
  }
  ~ProgressLine() {
    if (tty_) std::cerr << "\n";
  }

 private:
  const bool tty_;
  const absl::Time start_;
  absl::Time last_ = absl::InfinitePast();
};

void PrintDataset(const simclr::v1::Dataset& d, bool json) {
  if (json) {
    std::cout << Json(d) << "\n";
    return;
  }
  std::cout << absl::StrFormat("%-16s %7d images %dx%dx%d  %d classes  %.1f MB stored  %s\n",
                               d.id(), d.num_examples(), d.height(), d.width(),
                               d.channels(), d.num_classes(),
                               static_cast<double>(d.stored_size_bytes()) / 1e6,
                               d.display_name());
}

int Report(const absl::StatusOr<simclr::v1::Job>& job, const std::string& what,
           bool json) {
  if (!job.ok()) {
    std::cerr << "simclrctl " << what << ": " << job.status() << "\n";
    return kExitError;
  }
  PrintJob(*job, json);
  return 0;
}

int RunHealth(const simclr::client::ChannelOptions& channel_options,
              const std::string& service, double timeout_seconds) {
  auto channel = simclr::client::CreateChannel(channel_options);
  auto serving = simclr::client::CheckHealth(*channel, service,
                                             absl::Seconds(timeout_seconds));
  if (!serving.ok()) {
    std::cerr << "simclrctl health: " << channel_options.target << ": "
              << serving.status() << "\n";
    return kExitError;
  }
  std::cout << *serving << "\n";
  return *serving == "SERVING" ? 0 : kExitError;
}

}  // namespace

int main(int argc, char** argv) {
  simclr::core::ConfigureMalloc();
  simclr::core::ChooseBlisKernels();

  CLI::App app{
      "simclrctl: manage datasets, jobs, checkpoints and embeddings "
      "on a simclrd server"};
  app.require_subcommand(1);
  simclr::client::ChannelOptions channel_options;
  double timeout_seconds = 10;
  app.add_option("-s,--server", channel_options.target,
                 "simclrd address, host:port")
      ->envname("SIMCLR_SERVER")
      ->capture_default_str();
  app.add_option("--token", channel_options.token,
                 "Bearer token for a server with --auth_tokens_file")
      ->envname("SIMCLR_TOKEN");
  app.add_option("--tls_ca", channel_options.tls_ca,
                 "PEM CA of the server's certificate: connect with TLS")
      ->envname("SIMCLR_TLS_CA")
      ->check(CLI::ExistingFile);
  app.add_option("--tls_cert", channel_options.tls_cert, "PEM client certificate (mTLS)")
      ->check(CLI::ExistingFile);
  app.add_option("--tls_key", channel_options.tls_key, "PEM client key (mTLS)")
      ->check(CLI::ExistingFile);
  app.add_option("--timeout", timeout_seconds, "RPC deadline in seconds")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();

  std::string health_service;
  CLI::App* health = app.add_subcommand(
      "health", "Check grpc.health.v1; prints SERVING and exits 0 if serving");
  health->add_option("--service", health_service,
                     "Service to check; empty checks the whole server");

  bool json = false;
  app.add_flag("--json", json, "Machine-readable output (protobuf JSON)");

  CLI::App* jobs = app.add_subcommand("jobs", "Submit, inspect and control jobs");
  jobs->require_subcommand(1);
  std::string spec_file, job_id, request_id;
  bool follow = false;
  uint64_t after_seq = 0;
  CLI::App* submit = jobs->add_subcommand("submit", "Submit a JobSpec JSON file");
  submit->add_option("-f,--file", spec_file, "JobSpec JSON file")->required();
  submit->add_option("--request_id", request_id,
                     "Idempotency key: a retried submit returns the first job");
  submit->add_flag("-w,--watch", follow, "Then follow the job to its end");
  CLI::App* list = jobs->add_subcommand("list", "List jobs, newest first");
  CLI::App* get = jobs->add_subcommand("get", "Show one job");
  CLI::App* watch = jobs->add_subcommand(
      "watch", "Print a job's events (history, then live) until it ends");
  watch->add_option("--after", after_seq, "Only events after this seq");
  CLI::App* cancel = jobs->add_subcommand("cancel", "Cancel a job");
  CLI::App* pause = jobs->add_subcommand("pause", "Checkpoint and stop a job");
  CLI::App* resume = jobs->add_subcommand("resume", "Queue a paused job again");
  for (CLI::App* command : {get, watch, cancel, pause, resume}) {
    command->add_option("job_id", job_id, "Job id")->required();
  }

  CLI::App* checkpoints =
      app.add_subcommand("checkpoints", "List and download checkpoints");
  checkpoints->require_subcommand(1);
  std::string checkpoint_id, file = "encoder.pt", output;
  CLI::App* checkpoints_list =
      checkpoints->add_subcommand("list", "Checkpoints, newest first");
  checkpoints_list->add_option("--job", job_id, "Only this job's");
  CLI::App* checkpoints_get = checkpoints->add_subcommand("get", "One checkpoint");
  CLI::App* download = checkpoints->add_subcommand(
      "download", "Download a checkpoint file (resumes a .part), verify its SHA-256");
  for (CLI::App* command : {checkpoints_get, download}) {
    command->add_option("checkpoint_id", checkpoint_id, "Checkpoint id")->required();
  }
  download->add_option("--file", file, "encoder.pt, state.pt or meta.json")
      ->capture_default_str();
  download->add_option("-o,--output", output, "Where to write it (default: the file name)");

  CLI::App* datasets = app.add_subcommand("datasets", "Upload, list and delete datasets");
  datasets->require_subcommand(1);
  std::string dataset_id, dataset_name, images, labels, class_names, archive;
  bool unlabelled = false;
  double max_corrupt_fraction = 0;
  CLI::App* upload = datasets->add_subcommand(
      "upload",
      "Upload IDX files (--images [--labels], gzipped or not) or a tar/zip "
      "archive of class_name/image.png folders (--archive)");
  CLI::Option* images_option =
      upload->add_option("--images", images, "IDX images file")->check(CLI::ExistingFile);
  CLI::Option* archive_option =
      upload->add_option("--archive", archive, "tar or zip archive of images")
          ->check(CLI::ExistingFile)
          ->excludes(images_option);
  upload->add_flag("--unlabelled", unlabelled,
                   "The archive's images have no classes (anywhere in it)")
      ->needs(archive_option);
  upload->add_option("--max_corrupt_fraction", max_corrupt_fraction,
                     "Share of undecodable images to drop instead of failing")
      ->check(CLI::Range(0.0, 0.5));
  upload->add_option("--labels", labels, "IDX labels file")->check(CLI::ExistingFile);
  upload->add_option("--name", dataset_name, "Display name");
  upload->add_option("--class_names", class_names, "Comma-separated names of classes 0..K-1");
  CLI::App* datasets_list = datasets->add_subcommand("list", "Datasets, newest first");
  CLI::App* datasets_get = datasets->add_subcommand("get", "One dataset, with counts per class");
  CLI::App* datasets_rm = datasets->add_subcommand("rm", "Delete a dataset no job uses");
  for (CLI::App* command : {datasets_get, datasets_rm}) {
    command->add_option("dataset_id", dataset_id, "Dataset id")->required();
  }

  simclr::client::EmbedCommandArgs embed_args;
  CLI::App* embed = simclr::client::AddEmbedCommand(app, &embed_args);
  embed->fallthrough();

  // Global options (--json, --server, --timeout) may also follow the
  // subcommands.
  for (CLI::App* group : {jobs, checkpoints, datasets}) {
    group->fallthrough();
    for (CLI::App* command : group->get_subcommands({})) command->fallthrough();
  }

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    return kExitUsage;
  }

  if (health->parsed()) {
    return RunHealth(channel_options, health_service, timeout_seconds);
  }
  if (embed->parsed()) {
    return simclr::client::RunEmbedCommand(channel_options, embed_args, timeout_seconds, json);
  }
  simclr::client::JobClient job_client(
      simclr::client::CreateChannel(channel_options),
      absl::Seconds(timeout_seconds));
  if (submit->parsed()) {
    auto spec = simclr::core::ReadJobSpecFile(spec_file);
    if (!spec.ok()) {
      std::cerr << "simclrctl jobs submit: " << spec.status().message() << "\n";
      return kExitUsage;
    }
    auto job = job_client.Submit(*spec, request_id);
    if (const int code = Report(job, "jobs submit", json); code != 0) return code;
    return follow ? WatchJob(job_client, job->id(), 0, json) : 0;
  }
  if (list->parsed()) {
    auto all = job_client.List();
    if (!all.ok()) {
      std::cerr << "simclrctl jobs list: " << all.status() << "\n";
      return kExitError;
    }
    for (const auto& job : *all) PrintJob(job, json);
    return 0;
  }
  if (get->parsed()) return Report(job_client.Get(job_id), "jobs get", json);
  simclr::client::DatasetClient dataset_client(
      simclr::client::CreateChannel(channel_options), absl::Seconds(timeout_seconds));
  if (upload->parsed()) {
    std::vector<std::string> names;
    if (!class_names.empty()) names = absl::StrSplit(class_names, ',');
    absl::StatusOr<simclr::v1::Dataset> dataset;
    const absl::Time start = absl::Now();
    {
      ProgressLine progress;
      auto report = [&](int64_t done, int64_t total) { progress(done, total); };
      if (!archive.empty()) {
        dataset = dataset_client.UploadArchive(dataset_name, archive, !unlabelled,
                                               max_corrupt_fraction, report);
      } else if (!images.empty()) {
        dataset = dataset_client.UploadIdx(dataset_name, images, labels, names, report);
      } else {
        std::cerr << "simclrctl datasets upload: give --images or --archive\n";
        return kExitUsage;
      }
    }
    if (!dataset.ok()) {
      std::cerr << "simclrctl datasets upload: " << dataset.status() << "\n";
      return kExitError;
    }
    PrintDataset(*dataset, json);
    if (!json) {
      std::cout << absl::StrFormat("uploaded %.1f MB in %.2f s\n",
                                   static_cast<double>(dataset->upload_size_bytes()) / 1e6,
                                   absl::ToDoubleSeconds(absl::Now() - start));
    }
    return 0;
  }
  if (datasets_list->parsed()) {
    auto all = dataset_client.List();
    if (!all.ok()) {
      std::cerr << "simclrctl datasets list: " << all.status() << "\n";
      return kExitError;
    }
    for (const auto& d : *all) PrintDataset(d, json);
    return 0;
  }
  if (datasets_get->parsed()) {
    auto d = dataset_client.Get(dataset_id);
    if (!d.ok()) {
      std::cerr << "simclrctl datasets get: " << d.status() << "\n";
      return kExitError;
    }
    PrintDataset(*d, json);
    if (!json) {
      for (const auto& c : d->class_counts()) {
        std::cout << absl::StrFormat("  %3d %-20s %d\n", c.label(), c.name(), c.count());
      }
    }
    return 0;
  }
  if (datasets_rm->parsed()) {
    if (auto status = dataset_client.Delete(dataset_id); !status.ok()) {
      std::cerr << "simclrctl datasets rm: " << status << "\n";
      return kExitError;
    }
    std::cout << "deleted " << dataset_id << "\n";
    return 0;
  }
  simclr::client::CheckpointClient checkpoint_client(
      simclr::client::CreateChannel(channel_options), absl::Seconds(timeout_seconds));
  if (checkpoints_list->parsed()) {
    auto all = checkpoint_client.List(job_id);
    if (!all.ok()) {
      std::cerr << "simclrctl checkpoints list: " << all.status() << "\n";
      return kExitError;
    }
    for (const auto& c : *all) PrintCheckpoint(c, json);
    return 0;
  }
  if (checkpoints_get->parsed()) {
    auto c = checkpoint_client.Get(checkpoint_id);
    if (!c.ok()) {
      std::cerr << "simclrctl checkpoints get: " << c.status() << "\n";
      return kExitError;
    }
    PrintCheckpoint(*c, json);
    return 0;
  }
  if (download->parsed()) {
    const std::string destination = output.empty() ? file : output;
    const absl::Time start = absl::Now();
    int64_t bytes = 0;
    absl::StatusOr<std::string> sha256;
    {
      ProgressLine progress;
      sha256 = checkpoint_client.Download(
          checkpoint_id, file, destination, [&](int64_t done, int64_t total) {
            bytes = done;
            progress(done, total);
          });
    }
    if (!sha256.ok()) {
      std::cerr << "simclrctl checkpoints download: " << sha256.status() << "\n";
      return kExitError;
    }
    const double seconds = absl::ToDoubleSeconds(absl::Now() - start);
    if (json) {
      std::cout << absl::StrFormat(
          "{\"path\":\"%s\",\"bytes\":%d,\"sha256\":\"%s\",\"seconds\":%.3f}\n",
          destination, bytes, *sha256, seconds);
    } else {
      std::cout << absl::StrFormat("%s: %d bytes, sha256 %s verified, %.2f s\n",
                                   destination, bytes, *sha256, seconds);
    }
    return 0;
  }
  if (watch->parsed()) return WatchJob(job_client, job_id, after_seq, json);
  if (cancel->parsed()) return Report(job_client.Cancel(job_id), "jobs cancel", json);
  if (pause->parsed()) return Report(job_client.Pause(job_id), "jobs pause", json);
  if (resume->parsed()) return Report(job_client.Resume(job_id), "jobs resume", json);
  return kExitUsage;
}
