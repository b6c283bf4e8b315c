// Checkpoint download over loopback, side by side with reading the same
// file from the page cache in one process: the real simclrd, the real
// client (CheckpointClient::Download: chunks to a .part file, then the
// SHA-256 check and rename).
//
//   bench_checkpoint_download [--mb 512] [--rounds 3]
//
// The file is random bytes planted as a checkpoint's state.pt in a fresh
// --data_dir under /tmp; simclrd is started from the build tree.
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "CLI/CLI.hpp"
#include "absl/strings/str_cat.h"
#include "bench/recorded_job.h"
#include "bench/simclrd_child.h"
#include "client/channel.h"
#include "client/checkpoint_client.h"
#include "core/common/layout.h"
#include "core/common/sha256.h"

namespace {

double Seconds(std::chrono::steady_clock::time_point since) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - since).count();
}

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Checkpoint download over loopback against a page-cache read"};
  int mb = 512, rounds = 3;
  app.add_option("--mb", mb, "File size in MiB")->check(CLI::Range(1, 8192));
  app.add_option("--rounds", rounds, "Rounds of each")->check(CLI::Range(1, 20));
  CLI11_PARSE(app, argc, argv);

  char dir_template[] = "/tmp/bench-download-XXXXXX";
  const std::string dir = mkdtemp(dir_template);
  const std::string job = simclr::bench::RecordFinishedJob(dir + "/data");
  if (job.empty()) return 1;
  const std::string checkpoint =
      simclr::core::layout::RunFolder(simclr::core::layout::JobFolder(dir + "/data", job)) +
      "/checkpoints/1";
  std::filesystem::create_directories(checkpoint);
  const std::string file = checkpoint + "/state.pt";
  {
    std::mt19937_64 random(1);
    std::vector<uint64_t> block(1 << 17);  // 1 MiB
    std::ofstream out(file, std::ios::binary);
    for (int i = 0; i < mb; ++i) {
      for (auto& word : block) word = random();
      out.write(reinterpret_cast<const char*>(block.data()), 1 << 20);
    }
  }
  const auto sha = simclr::core::Sha256OfFile(file);
  const int64_t bytes = static_cast<int64_t>(mb) << 20;
  std::ofstream(checkpoint + "/meta.json") << absl::StrCat(
      R"({"step": "1", "files": [{"name": "state.pt", "size_bytes": ")", bytes,
      R"(", "sha256": ")", *sha, R"("}]})");

  simclr::bench::SimclrdChild server(dir);
  const int port = server.port();
  if (port == 0) {
    std::fprintf(stderr, "simclrd did not start; see %s/simclrd.log\n", dir.c_str());
    return 1;
  }

  simclr::client::CheckpointClient client(
      simclr::client::CreateChannel({absl::StrCat("127.0.0.1:", port)}),
      absl::Seconds(60));
  const std::string id = simclr::core::layout::CheckpointId(job, 1);
  std::vector<double> read_s, sha_s, download_s, download4_s;
  std::vector<char> buffer(1 << 20);
  bool ok = true;
  for (int r = 0; r < rounds && ok; ++r) {
    auto start = std::chrono::steady_clock::now();
    const int fd = open(file.c_str(), O_RDONLY);
    while (read(fd, buffer.data(), buffer.size()) > 0) {
    }
    close(fd);
    read_s.push_back(Seconds(start));
    start = std::chrono::steady_clock::now();
    ok &= simclr::core::Sha256OfFile(file).ok();
    sha_s.push_back(Seconds(start));
    for (auto [chunk, times] : {std::pair{0, &download_s}, std::pair{4 << 20, &download4_s}}) {
      const std::string to = dir + "/downloaded.pt";
      std::filesystem::remove(to);
      start = std::chrono::steady_clock::now();
      auto got = client.Download(id, "state.pt", to, nullptr, chunk);
      times->push_back(Seconds(start));
      ok &= got.ok() && *got == *sha;
      if (!got.ok()) std::fprintf(stderr, "download: %s\n", got.status().ToString().c_str());
    }
  }
  std::filesystem::remove_all(dir);
  if (!ok) return 1;

  const double mib = static_cast<double>(bytes) / (1 << 20);
  const double read_rate = mib / Median(read_s);
  std::printf("checkpoint download, %d MiB file, median of %d rounds, loopback\n", mb, rounds);
  std::printf("%-44s %10s %10s %8s\n", "", "seconds", "MiB/s", "ratio");
  std::printf("%-44s %10.3f %10.0f %8.2f\n", "page-cache read (the limit)",
              Median(read_s), read_rate, 1.0);
  for (auto [name, times] :
       {std::pair{"SHA-256 of the file alone (in every download)", &sha_s},
        std::pair{"download, 1 MiB chunks, + SHA-256 check", &download_s},
        std::pair{"download, 4 MiB chunks, + SHA-256 check", &download4_s}}) {
    const double rate = mib / Median(*times);
    std::printf("%-44s %10.3f %10.0f %8.2f\n", name, Median(*times), rate,
                rate / read_rate);
  }
  return 0;
}
