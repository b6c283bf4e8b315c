// Dataset upload over loopback: throughput, and the growth of the server's
// resident memory while it receives, checks and imports a large IDX upload
// (the bound: ≤ 64 MB for 1 GB), beside a plain copy of the same
// file on the same disk.
//
//   bench_dataset_upload [--mb 1024]
//
// The upload is random 28×28 images in an uncompressed IDX file plus its
// labels, under a fresh /tmp folder; simclrd is started from the build tree.
#include <atomic>
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
#include "bench/simclrd_child.h"
#include "client/channel.h"
#include "client/dataset_client.h"

namespace {

void WriteBigEndian(std::ofstream& out, uint32_t value) {
  const unsigned char bytes[4] = {static_cast<unsigned char>(value >> 24),
                                  static_cast<unsigned char>(value >> 16),
                                  static_cast<unsigned char>(value >> 8),
                                  static_cast<unsigned char>(value)};
  out.write(reinterpret_cast<const char*>(bytes), 4);
}

double Seconds(std::chrono::steady_clock::time_point since) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - since).count();
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Dataset upload: throughput and server RSS growth"};
  int mb = 1024;
  app.add_option("--mb", mb, "Approximate upload size in MiB")->check(CLI::Range(1, 16384));
  CLI11_PARSE(app, argc, argv);

  char dir_template[] = "/tmp/bench-upload-XXXXXX";
  const std::string dir = mkdtemp(dir_template);
  const uint32_t images = static_cast<uint32_t>((int64_t{mb} << 20) / 784);
  const std::string images_path = dir + "/images.idx", labels_path = dir + "/labels.idx";
  {
    std::mt19937_64 random(1);
    std::ofstream out(images_path, std::ios::binary);
    WriteBigEndian(out, 0x803);
    WriteBigEndian(out, images);
    WriteBigEndian(out, 28);
    WriteBigEndian(out, 28);
    std::vector<uint64_t> block(98);  // one image
    for (uint32_t i = 0; i < images; ++i) {
      for (auto& word : block) word = random();
      out.write(reinterpret_cast<const char*>(block.data()), 784);
    }
    std::ofstream labels(labels_path, std::ios::binary);
    WriteBigEndian(labels, 0x801);
    WriteBigEndian(labels, images);
    for (uint32_t i = 0; i < images; ++i) labels.put(static_cast<char>(i % 10));
  }
  const double bytes = static_cast<double>(std::filesystem::file_size(images_path) +
                                           std::filesystem::file_size(labels_path));

  // The reference: a copy of the same file on the same disk.
  auto start = std::chrono::steady_clock::now();
  std::filesystem::copy_file(images_path, dir + "/copy.idx");
  const double copy_seconds = Seconds(start);
  std::filesystem::remove(dir + "/copy.idx");

  double upload_seconds = 0;
  int64_t rss_before = 0, rss_peak = 0, rss_after = 0;
  bool ok = false;
  {
    simclr::bench::SimclrdChild server(dir);
    if (server.port() == 0) {
      std::fprintf(stderr, "simclrd did not start; see %s/simclrd.log\n", dir.c_str());
      return 1;
    }
    simclr::client::DatasetClient client(
        simclr::client::CreateChannel({absl::StrCat("127.0.0.1:", server.port())}),
        absl::Seconds(60));
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    rss_before = server.RssBytes();
    std::atomic<bool> done{false};
    std::atomic<int64_t> peak{rss_before};
    std::thread sampler([&] {
      while (!done.load()) {
        peak.store(std::max(peak.load(), server.RssBytes()));
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
      }
    });
    start = std::chrono::steady_clock::now();
    auto dataset = client.UploadIdx("bench", images_path, labels_path, {});
    upload_seconds = Seconds(start);
    done.store(true);
    sampler.join();
    rss_peak = peak.load();
    rss_after = server.RssBytes();
    ok = dataset.ok() && dataset->num_examples() == images;
    if (!dataset.ok()) std::fprintf(stderr, "%s\n", dataset.status().ToString().c_str());
  }
  std::filesystem::remove_all(dir);
  if (!ok) return 1;

  const double mib = bytes / (1 << 20);
  std::printf("dataset upload, IDX %u images 28x28 + labels, %.0f MiB, loopback\n", images, mib);
  std::printf("%-52s %10s %10s %8s\n", "", "seconds", "MiB/s", "ratio");
  std::printf("%-52s %10.2f %10.0f %8.2f\n", "copy of the images file on the same disk",
              copy_seconds, mib / copy_seconds, 1.0);
  std::printf("%-52s %10.2f %10.0f %8.2f\n",
              "upload: SHA-256 client side, stream, check, import", upload_seconds,
              mib / upload_seconds, copy_seconds / upload_seconds);
  std::printf("server RSS: %.1f MiB before, %.1f MiB peak, %.1f MiB after: "
              "growth %.1f MiB for %.0f MiB uploaded (bound: 64 MB)\n",
              rss_before / 1048576.0, rss_peak / 1048576.0, rss_after / 1048576.0,
              (rss_peak - rss_before) / 1048576.0, mib);
  return 0;
}
