// The SimCLR augmentation per image: ours (OpenCV on the stored uint8
// pixels, writing the normalised float view) against torchvision on PIL
// images (bench/reference/torchvision_augment.py in /usr/bin/python3), at
// 28×28 grey and 96×96 RGB, one thread each, side by side with the ratio.
// The full SIMCLR preset on both sides: random resized crop (0.08–1), flip,
// colour jitter (0.8, 0.8, 0.8, 0.2; p 0.8), grayscale (p 0.2), Gaussian
// blur (kernel 10 % of the side, σ 0.1–2; p 0.5), normalisation.
//
//   bench_augment_vs_torchvision [--images 20000]   (from the repo root)
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "CLI/CLI.hpp"
#include "absl/strings/str_cat.h"
#include "core/augment/view_transform.h"
#include "core/spec/augment_params.h"

namespace {

double OursMicroseconds(int size, int channels, int images) {
  std::mt19937 random(0);
  std::vector<std::vector<uint8_t>> pixels(
      64, std::vector<uint8_t>(size * size * channels));
  for (auto& image : pixels) {
    for (auto& p : image) p = static_cast<uint8_t>(random());
  }
  simclr::v1::AugmentationConfig config;
  config.set_preset(simclr::v1::AUGMENTATION_PRESET_SIMCLR);
  simclr::v1::InputSpec spec;
  auto shape = simclr::core::ResolveInputShape(spec, size, channels);
  const simclr::core::TrainViewTransform transform(
      *simclr::core::ResolveAugmentParams(config), *shape);
  std::vector<float> out(shape->values());
  for (int i = 0; i < 200; ++i) {
    simclr::core::AugmentRng rng(1, 0, i, 0);
    transform.Apply({pixels[i % 64].data(), size, size, channels}, rng,
                    out.data());
  }
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < images; ++i) {
    simclr::core::AugmentRng rng(1, 1, i, 0);
    transform.Apply({pixels[i % 64].data(), size, size, channels}, rng,
                    out.data());
  }
  return 1e6 *
         std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
             .count() /
         images;
}

double TorchvisionMicroseconds(int size, int channels, int images) {
  const std::string command = absl::StrCat(
      "/usr/bin/python3 bench/reference/torchvision_augment.py --size ", size,
      " --channels ", channels, " --images ", images);
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return -1;
  char line[512] = {0};
  double us = -1;
  while (std::fgets(line, sizeof(line), pipe) != nullptr) {
    const char* at = std::strstr(line, "\"microseconds_per_image\": ");
    if (at != nullptr) us = std::atof(at + 26);
  }
  pclose(pipe);
  return us;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"SimCLR augmentation per image: ours vs torchvision"};
  int images = 20000;
  app.add_option("--images", images,
                 "Images timed per side (torchvision: a tenth)")
      ->check(CLI::Range(100, 1000000));
  CLI11_PARSE(app, argc, argv);
  std::printf(
      "| input | ours µs/image | torchvision µs/image | speed-up "
      "|\n|---|---:|---:|---:|\n");
  bool ok = true;
  for (const auto [size, channels] : {std::pair{28, 1}, std::pair{96, 3}}) {
    const double ours = OursMicroseconds(size, channels, images);
    const double theirs =
        TorchvisionMicroseconds(size, channels, std::max(100, images / 10));
    ok &= theirs > 0;
    std::printf("| %dx%dx%d | %.1f | %.1f | %.1fx |\n", size, size, channels,
                ours, theirs, theirs / ours);
  }
  std::printf(
      "\none thread each; torchvision via /usr/bin/python3 on PIL images\n");
  return ok ? 0 : 1;
}
