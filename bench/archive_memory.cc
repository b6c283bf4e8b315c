// Server memory per archive upload: the growth of simclrd's resident memory
// (peak over the upload: samples every 20 ms and the kernel's VmHWM) for an ordinary archive, one
// with the largest image the default pixel limit allows, and two hostile
// ones: an entry of 1 GiB of zeros whose headers say 10 bytes, and a PNG
// header claiming 100000x100000. Side by side in one run, each on a fresh
// simclrd; ratios are growth over the entry's uncompressed bytes.
//
//   bench_archive_memory
//
// Archives come from bench/tools/make_archive_cases.py (Pillow, numpy).
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "bench/simclrd_child.h"
#include "client/channel.h"
#include "client/dataset_client.h"

namespace {

struct Case {
  const char* file;
  const char* what;
  double entry_mib;  // the largest entry, uncompressed
};

struct Outcome {
  double seconds = 0, growth_mib = 0;
  std::string result;
};

Outcome Measure(const std::string& dir, const std::string& archive) {
  Outcome outcome;
  const std::string server_dir = dir + "/server-" + std::filesystem::path(archive).stem().string();
  std::filesystem::create_directories(server_dir);
  simclr::bench::SimclrdChild server(server_dir);
  if (server.port() == 0) {
    outcome.result = "simclrd did not start";
    return outcome;
  }
  simclr::client::ChannelOptions channel;
  channel.target = absl::StrCat("127.0.0.1:", server.port());
  simclr::client::DatasetClient client(simclr::client::CreateChannel(channel), absl::Seconds(300));
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  const int64_t before = server.RssBytes();
  std::atomic<bool> done{false};
  std::atomic<int64_t> peak{before};
  std::thread sampler([&] {
    while (!done.load()) {
      peak.store(std::max(peak.load(), server.RssBytes()));
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  });
  const auto start = std::chrono::steady_clock::now();
  auto dataset = client.UploadArchive("bench", archive, true, 0);
  outcome.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  done.store(true);
  sampler.join();
  // The kernel's high-water mark catches a peak shorter than a sample.
  const int64_t high = std::max(peak.load(), server.PeakRssBytes());
  outcome.growth_mib = static_cast<double>(std::max<int64_t>(0, high - before)) / 1048576.0;
  outcome.result = dataset.ok() ? absl::StrCat("stored, ", dataset->num_examples(), " images")
                                : std::string(dataset.status().message().substr(0, 70));
  return outcome;
}

}  // namespace

int main() {
  char dir_template[] = "/tmp/bench-archive-XXXXXX";
  const std::string dir = mkdtemp(dir_template);
  const char* source = std::getenv("SIMCLR_SOURCE_DIR");
  const std::string script =
      std::string(source != nullptr ? source : ".") + "/bench/tools/make_archive_cases.py";
  if (std::system(("/usr/bin/python3 " + script + " " + dir).c_str()) != 0) {
    std::fprintf(stderr, "cannot make the archives with %s\n", script.c_str());
    return 1;
  }
  const std::vector<Case> cases = {
      {"photos.zip", "2,000 RGB 64x64 PNGs (24 MiB)", 24},
      {"big.zip", "one 4000x4000 grey PNG (16 Mpx)", 15.3},
      {"lying.zip", "1 GiB of zeros, headers say 10 bytes", 1024},
      {"header.zip", "a PNG header claiming 100000x100000", 9537},
  };
  std::printf("server RSS growth per archive upload (peak - before), fresh simclrd each\n");
  std::printf("%-40s %8s %11s %9s  %s\n", "archive", "seconds", "growth MiB", "ratio", "outcome");
  for (const Case& c : cases) {
    const Outcome o = Measure(dir, dir + "/" + c.file);
    std::printf("%-40s %8.2f %11.1f %9.4f  %s\n", c.what, o.seconds, o.growth_mib,
                o.growth_mib / c.entry_mib, o.result.c_str());
  }
  std::printf("ratio: growth over the archive's uncompressed MiB (photos), its largest\n"
              "entry's (big, lying) or the 1 byte/pixel buffer its header claims (header);\n"
              "growth: the larger of the sampled peak and the kernel's VmHWM, less the\n"
              "RSS before, so a startup peak above the upload's shows as 0\n");
  std::filesystem::remove_all(dir);
  return 0;
}
