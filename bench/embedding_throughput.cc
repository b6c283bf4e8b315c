// The EmbeddingService against the physical limit: single-image clients at
// concurrency 1, 8 and 64 (unary, and streamed) through a real simclrd on
// loopback, side by side with direct in-process batch-64 forwards of the
// same TorchScript encoder, for the small CNN (28×28 grey) and ResNet-18
// (32×32 RGB). Prints throughput, p50/p90/p99 latency, the ratios to the
// direct batch-64 figures, and the batch sizes the batcher formed (from
// the server's own simclr_embed_batch_size histogram).
//
//   bench_embedding_throughput [--seconds 3] [--num_threads 1] [--lanes 1]
//       [--max_batch 64] [--delay_us 1000] [--clients 1,8,64] [--window 4]
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "CLI/CLI.hpp"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "bench/embed_load.h"
#include "bench/recorded_job.h"
#include "core/common/layout.h"
#include "bench/simclrd_child.h"
#include "core/common/blis_kernels.h"
#include "core/inference/loaded_encoder.h"
#include "core/models/encoder.h"
#include "core/runtime/threads.h"
#include "google/protobuf/util/json_util.h"
#include "opencv2/imgcodecs.hpp"
#include "tests/testing/http_get.h"

namespace {

using simclr::bench::Clock;
using simclr::bench::Ms;

struct Model {
  std::string name, arch_flag, checkpoint_id, folder;
  simclr::v1::EncoderMetadata meta;
};

// A random-init encoder saved as a checkpoint simclrd can serve (weights do
// not change the cost of a forward).
Model WriteModel(const std::string& data_dir, const std::string& name,
                 simclr::v1::Architecture arch, int size, int channels) {
  Model model;
  model.name = name;
  const std::string job = simclr::bench::RecordFinishedJob(data_dir);
  if (job.empty()) std::exit(1);
  model.checkpoint_id = simclr::core::layout::CheckpointId(job, 1);
  model.folder =
      simclr::core::layout::RunFolder(simclr::core::layout::JobFolder(data_dir, job)) +
      "/checkpoints/1";
  std::filesystem::create_directories(model.folder);
  simclr::v1::EncoderConfig config;
  config.mutable_builtin()->set_arch(arch);
  simclr::v1::InputSpec spec;
  spec.set_size(size);
  spec.set_channels(channels);
  auto shape = simclr::core::ResolveInputShape(spec, size, channels);
  auto encoder = simclr::core::BuildEncoder(config, *shape);
  if (!encoder.ok()) {
    std::fprintf(stderr, "%s: %s\n", name.c_str(),
                 encoder.status().ToString().c_str());
    std::exit(1);
  }
  encoder->module.eval();
  encoder->module.save(model.folder + "/encoder.pt");
  model.meta.set_arch(arch);
  *model.meta.mutable_input() = spec;
  for (int c = 0; c < channels; ++c) {
    model.meta.mutable_input()->add_mean(0.5f);
    model.meta.mutable_input()->add_std(0.5f);
  }
  model.meta.set_feature_dim(static_cast<int32_t>(encoder->feature_dim));
  simclr::v1::Checkpoint checkpoint;
  checkpoint.set_step(1);
  *checkpoint.mutable_encoder() = model.meta;
  std::string json;
  (void)google::protobuf::util::MessageToJsonString(checkpoint, &json);
  std::ofstream(model.folder + "/meta.json") << json;
  return model;
}

// Median milliseconds of a batch-`batch` forward, in this process, with
// `parallel` threads each running forwards at once (the lanes' limit);
// `throughput` gets the images per second of all of them together.
double DirectForwardMs(const Model& model, int batch, double seconds,
                       int parallel = 1, double* throughput = nullptr) {
  auto encoder = simclr::core::LoadedEncoder::Load(
      model.folder, model.checkpoint_id, model.meta, "cpu");
  if (!encoder.ok()) {
    std::fprintf(stderr, "%s\n", encoder.status().ToString().c_str());
    std::exit(1);
  }
  const auto until = Clock::now() + std::chrono::duration_cast<Clock::duration>(
                                        std::chrono::duration<double>(seconds));
  absl::Mutex mu;
  std::vector<double> times;
  std::vector<std::thread> threads;
  for (int t = 0; t < parallel; ++t) {
    threads.emplace_back([&] {
      std::vector<float> inputs(batch * (*encoder)->input().values(), 0.1f);
      std::vector<float> out(batch * (*encoder)->feature_dim());
      for (int i = 0; i < 3; ++i)
        (void)(*encoder)->Forward(inputs.data(), batch, out.data());
      int runs = 0;
      while (runs < 5 || Clock::now() < until) {
        const auto begin = Clock::now();
        (void)(*encoder)->Forward(inputs.data(), batch, out.data());
        absl::MutexLock lock(&mu);
        times.push_back(Ms(Clock::now() - begin));
        ++runs;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  std::sort(times.begin(), times.end());
  const double median = times[times.size() / 2];
  // Every thread runs a forward all the time, so together they deliver
  // parallel × batch images per median forward.
  if (throughput != nullptr) *throughput = parallel * batch / (median / 1000);
  return median;
}

// simclr_embed_batch_size buckets (le → cumulative count), plus count/sum.
std::map<double, double> BatchHistogram(int metrics_port) {
  std::map<double, double> histogram;
  auto page = simclr::testing::HttpGet(metrics_port, "/metrics");
  if (!page.ok()) return histogram;
  for (absl::string_view line : absl::StrSplit(page->body, '\n')) {
    double value = 0;
    const auto space = line.rfind(' ');
    if (space == absl::string_view::npos ||
        !absl::SimpleAtod(line.substr(space + 1), &value)) {
      continue;
    }
    if (absl::StartsWith(line, "simclr_embed_batch_size_bucket{le=\"")) {
      const absl::string_view le = line.substr(35, line.find('"', 35) - 35);
      double bound = 1e18;
      if (le != "+Inf") (void)absl::SimpleAtod(le, &bound);
      histogram[bound] = value;
    } else if (absl::StartsWith(line, "simclr_embed_batch_size_count ")) {
      histogram[-1] = value;
    } else if (absl::StartsWith(line, "simclr_embed_batch_size_sum ")) {
      histogram[-2] = value;
    }
  }
  return histogram;
}

// "mean 51.2 over 830: 1:2% 2-8:3% 49-64:95%" from two scrapes.
std::string BatchSummary(const std::map<double, double>& before,
                         const std::map<double, double>& after) {
  const auto delta = [&](double key) {
    const auto a = after.find(key), b = before.find(key);
    return (a == after.end() ? 0.0 : a->second) -
           (b == before.end() ? 0.0 : b->second);
  };
  const double batches = delta(-1);
  if (batches <= 0) return "no batches";
  std::string text =
      absl::StrFormat("mean %.1f over %.0f:", delta(-2) / batches, batches);
  const double bounds[] = {0, 1, 8, 32, 48, 64};
  const char* names[] = {"1", "2-8", "9-32", "33-48", "49-64"};
  for (int i = 0; i < 5; ++i) {
    const double share = (delta(bounds[i + 1]) - delta(bounds[i])) / batches;
    if (share >= 0.005)
      absl::StrAppend(&text,
                      absl::StrFormat(" %s:%.0f%%", names[i], 100 * share));
  }
  const double over = (batches - delta(64)) / batches;
  if (over >= 0.005)
    absl::StrAppend(&text, absl::StrFormat(" >64:%.0f%%", 100 * over));
  return text;
}

}  // namespace

int main(int argc, char** argv) {
  // As simclrd does: the server it stands for runs on these kernels.
  simclr::core::ChooseBlisKernels();
  CLI::App app{
      "EmbeddingService throughput and latency against direct batch-64 "
      "forwards"};
  double seconds = 3, warmup = 0.5;
  int num_threads = 1, lanes = 0, max_batch = 64, delay_us = 1000, window = 4;
  std::string clients_list = "1,8,64", archs = "small_cnn,resnet18";
  app.add_option("--seconds", seconds, "Measured seconds per configuration")
      ->check(CLI::Range(0.5, 60.0));
  app.add_option("--num_threads", num_threads,
                 "Intra-op threads (server and direct)");
  app.add_option("--lanes", lanes, "simclrd --embed_lanes; 0 = one per core");
  app.add_option("--max_batch", max_batch, "simclrd --embed_max_batch");
  app.add_option("--delay_us", delay_us, "simclrd --embed_max_queue_delay_us");
  app.add_option("--clients", clients_list,
                 "Concurrent clients, comma-separated");
  app.add_option("--window", window, "Requests in flight per streaming client");
  app.add_option("--archs", archs, "small_cnn and/or resnet18");
  CLI11_PARSE(app, argc, argv);
  std::vector<int> clients;
  for (absl::string_view c : absl::StrSplit(clients_list, ',')) {
    int n = 0;
    if (!absl::SimpleAtoi(c, &n) || n < 1 || n > 256) {
      std::fprintf(stderr, "--clients: %s\n", clients_list.c_str());
      return 2;
    }
    clients.push_back(n);
  }
  (void)simclr::core::ConfigureTorchThreads(num_threads);
  if (lanes == 0)
    lanes = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));

  char dir_template[] = "/tmp/bench-embed-XXXXXX";
  const std::string dir = mkdtemp(dir_template);
  std::vector<Model> models;
  if (absl::StrContains(archs, "small_cnn")) {
    models.push_back(WriteModel(dir + "/data", "small CNN 28x28x1",
                                simclr::v1::ARCHITECTURE_SMALL_CNN, 28, 1));
  }
  if (absl::StrContains(archs, "resnet18")) {
    models.push_back(WriteModel(dir + "/data", "ResNet-18 32x32x3",
                                simclr::v1::ARCHITECTURE_RESNET18, 32, 3));
  }
  simclr::bench::SimclrdChild server(
      dir, {"--metrics_port=0", absl::StrCat("--num_threads=", num_threads),
            absl::StrCat("--embed_lanes=", lanes),
            absl::StrCat("--embed_max_batch=", max_batch),
            absl::StrCat("--embed_max_queue_delay_us=", delay_us)});
  if (server.port() == 0 || server.metrics_port() <= 0) {
    std::fprintf(stderr, "simclrd did not start; see %s/simclrd.log\n",
                 dir.c_str());
    return 1;
  }
  // One 28×28 grey PNG, decoded and preprocessed by the server per request.
  cv::Mat image(28, 28, CV_8UC1);
  for (int i = 0; i < 28 * 28; ++i)
    image.data[i] = static_cast<uchar>((i * 7) % 251);
  std::vector<uchar> png;
  cv::imencode(".png", image, png);

  std::printf(
      "embedding service vs direct forwards; %d intra-op thread(s), %d "
      "lane(s), "
      "max batch %d, queue delay %d us, %.1f s per row, 2-core machine, "
      "loopback\n",
      num_threads, lanes, max_batch, delay_us, seconds);
  bool all_ok = true;
  for (const Model& model : models) {
    double direct = 0;
    const double forward64 = DirectForwardMs(model, 64, 2.0, 1, &direct);
    const double forward1 = DirectForwardMs(model, 1, 1.0);
    std::printf(
        "\n%s: direct batch-64 forward %.2f ms = %.0f img/s; batch-1 %.2f ms\n",
        model.name.c_str(), forward64, direct, forward1);
    if (lanes > 1) {
      double together = 0;
      const double each = DirectForwardMs(model, 64, 2.0, lanes, &together);
      std::printf(
          "  %d direct batch-64 forwards at once (the %d lanes' limit): %.2f "
          "ms "
          "each, %.0f img/s together; xdirect below is against one forward\n",
          lanes, lanes, each, together);
    }
    std::printf("%-7s %7s %9s %8s %8s %8s %8s %8s  %s\n", "mode", "clients",
                "img/s", "xdirect", "p50 ms", "p90 ms", "p99 ms", "p99/fwd",
                "batches formed");
    simclr::v1::EmbedRequest request;
    request.mutable_model()->set_checkpoint_id(model.checkpoint_id);
    request.add_images()->set_encoded(std::string(png.begin(), png.end()));
    for (const bool stream : {false, true}) {
      for (const int n : clients) {
        const auto before = BatchHistogram(server.metrics_port());
        const auto result = simclr::bench::RunLoad(
            server.port(), request, n, stream, window, warmup, seconds);
        const auto after = BatchHistogram(server.metrics_port());
        all_ok &= result.failed == 0 && result.ok > 0;
        std::printf("%-7s %7d %9.0f %8.2f %8.2f %8.2f %8.2f %8.2f  %s%s\n",
                    stream ? "stream" : "unary", n, result.Throughput(),
                    result.Throughput() / direct, result.Percentile(0.5),
                    result.Percentile(0.9), result.Percentile(0.99),
                    result.Percentile(0.99) / forward64,
                    BatchSummary(before, after).c_str(),
                    result.failed
                        ? absl::StrCat("  FAILED ", result.failed).c_str()
                        : "");
        std::fflush(stdout);
      }
    }
  }
  std::printf(
      "\nstream: each client keeps up to %d single-image requests in flight; "
      "goal at 64 unary clients: >= 0.80 x direct, p99 <= 3 x the batch-64 "
      "forward\n",
      window);
  std::filesystem::remove_all(dir);
  return all_ok ? 0 : 1;
}
