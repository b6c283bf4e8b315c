// Soak: 64 concurrent clients mixing upload, submit (+cancel), watch, list,
// get, download and embed against one simclrd over loopback for --seconds;
// every call's code is counted (OK, expected back-pressure, unexpected),
// and once a second the server's RSS, its threads and the p99 latency of
// the calls that second are written to a CSV (bench/tools/plot_soak.py
// draws it). Then --jobs small jobs are queued at once and drained.
//
//   bench_soak [--seconds 600] [--clients 64] [--jobs 1000] [--submit_percent 2]
//              [--csv FILE]
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "CLI/CLI.hpp"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "bench/simclrd_child.h"
#include "bench/soak_clients.h"

namespace simclr::bench {
namespace {

int Threads(pid_t pid) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  std::string key;
  int threads = 0;
  while (status >> key) {
    if (key == "Threads:") status >> threads;
  }
  return threads;
}

// Samples RSS, threads and the second's p99 until `stop`.
void Sample(const SimclrdChild& server, SoakStats& stats, const std::atomic<bool>& stop,
            const std::string& csv_path) {
  std::ofstream csv(csv_path);
  csv << "second,rss_mib,threads,calls,p99_ms\n";
  const auto start = std::chrono::steady_clock::now();
  for (int second = 1; !stop.load(); ++second) {
    std::this_thread::sleep_until(start + std::chrono::seconds(second));
    const auto [calls, p99] = stats.TakeSecond();
    csv << second << "," << server.RssBytes() / 1048576.0 << "," << Threads(server.pid()) << ","
        << calls << "," << p99 << "\n";
    csv.flush();
  }
}

int Soak(const std::string& dir, int seconds, int clients, int submit_percent,
         const std::string& csv) {
  SimclrdChild server(dir, {"--worker_threads=1", "--max_concurrent_jobs=1"});
  if (server.port() == 0) return std::fprintf(stderr, "simclrd did not start\n"), 1;
  SoakTarget target(absl::StrCat("127.0.0.1:", server.port()));
  if (auto status = target.Prepare(); !status.ok()) {
    std::fprintf(stderr, "setup: %s\n", status.ToString().c_str());
    return 1;
  }
  SoakStats stats;
  std::atomic<bool> stop{false};
  std::thread sampler([&] { Sample(server, stats, stop, csv); });
  std::vector<std::thread> threads;
  const auto end = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
  for (int i = 0; i < clients; ++i) {
    threads.emplace_back([&, i] { target.RunClient(i, end, submit_percent, stats); });
  }
  for (auto& t : threads) t.join();
  stop.store(true);
  sampler.join();
  stats.Print(seconds);
  return stats.unexpected() == 0 ? 0 : 2;
}

int Drain(const std::string& dir, int jobs) {
  SimclrdChild server(dir, {"--worker_threads=1", "--max_concurrent_jobs=2"});
  if (server.port() == 0) return std::fprintf(stderr, "simclrd did not start\n"), 1;
  SoakTarget target(absl::StrCat("127.0.0.1:", server.port()));
  const int64_t before = server.RssBytes();
  auto drained = target.QueueAndDrain(jobs);
  if (!drained.ok()) {
    std::fprintf(stderr, "drain: %s\n", drained.status().ToString().c_str());
    return 1;
  }
  std::printf("drain: %d small jobs queued in %.1f s, all ended after %.1f s (%.2f jobs/s); "
              "succeeded %d, other %d; server RSS %.1f -> %.1f MiB\n",
              jobs, drained->submit_seconds, drained->drain_seconds,
              jobs / drained->drain_seconds, drained->succeeded, jobs - drained->succeeded,
              before / 1048576.0, server.RssBytes() / 1048576.0);
  return drained->succeeded == jobs ? 0 : 2;
}

}  // namespace
}  // namespace simclr::bench

int main(int argc, char** argv) {
  CLI::App app{"simclrd soak: concurrent mixed clients, then a queue of small jobs"};
  int seconds = 600, clients = 64, jobs = 1000, submit_percent = 2;
  std::string csv = "soak.csv";
  app.add_option("--seconds", seconds)->check(CLI::Range(1, 86400));
  app.add_option("--clients", clients)->check(CLI::Range(1, 1024));
  app.add_option("--jobs", jobs)->check(CLI::Range(0, 100000));
  app.add_option("--submit_percent", submit_percent, "Calls that submit and cancel a job")
      ->check(CLI::Range(0, 25));
  app.add_option("--csv", csv, "Per-second RSS, threads and p99");
  CLI11_PARSE(app, argc, argv);
  char dir_template[] = "/tmp/bench-soak-XXXXXX";
  const std::string dir = mkdtemp(dir_template);
  std::filesystem::create_directories(dir + "/soak");
  std::filesystem::create_directories(dir + "/drain");
  int rc = seconds > 0 ? simclr::bench::Soak(dir + "/soak", seconds, clients, submit_percent, csv) : 0;
  if (jobs > 0) rc = std::max(rc, simclr::bench::Drain(dir + "/drain", jobs));
  std::filesystem::remove_all(dir);
  return rc;
}
