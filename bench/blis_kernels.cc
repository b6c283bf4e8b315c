// BLIS's own kernel choice against ChooseBlisKernels()'s, side by side.
//
// BLIS reads its kernel choice once per process, so each side is a child
// process of this binary (--side own|chosen) that reports one line; the
// parent prints both and the ratios. The work is the linear probe's: its
// largest matrix product (50 problems × 10 classes, 785 rows, 60,000
// images) and the LINEAR_EVAL job's cross-validation (10 C × 5 folds) plus
// final fit on raw Fashion-MNIST pixels, the slowest subject of the job.
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <string>
#include <vector>

#include "CLI/CLI.hpp"
#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "bench/fashion_mnist.h"
#include "core/common/blis_kernels.h"
#include "core/common/process_setup.h"
#include "core/eval/logistic_regression.h"
#include "core/runtime/threads.h"
#include "torch/torch.h"

namespace {

double Seconds(std::chrono::steady_clock::time_point since) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - since)
      .count();
}

// One side: prints "product_ms probe_seconds top1".
int RunSide(int64_t train) {
  at::Tensor theta = torch::randn({500, 785});
  at::Tensor x_t = torch::randn({785, 60000});
  torch::mm(theta, x_t);
  double product_ms = 1e30;
  for (int i = 0; i < 5; ++i) {
    const auto start = std::chrono::steady_clock::now();
    torch::mm(theta, x_t);
    product_ms = std::min(product_ms, 1e3 * Seconds(start));
  }

  const std::optional<simclr::bench::FashionMnist> data =
      simclr::bench::LoadFashionMnist();
  if (!data.has_value()) return 1;
  const at::Tensor x = simclr::bench::FirstPixels(data->train, train);
  const at::Tensor y = simclr::bench::FirstLabels(data->train, train);
  const auto start = std::chrono::steady_clock::now();
  simclr::core::LogisticRegressionOptions options;
  options.max_iterations = 100;  // the LINEAR_EVAL job's cross-validation
  auto cv = simclr::core::CrossValidateC(x, y, 10, simclr::core::DefaultCGrid(),
                                         5, 1, options);
  if (!cv.ok()) {
    std::cerr << cv.status() << "\n";
    return 1;
  }
  auto model = simclr::core::FitLogisticRegression(x, y, 10, cv->best_c, {},
                                                   &cv->warm_start);
  if (!model.ok()) {
    std::cerr << model.status() << "\n";
    return 1;
  }
  const double probe_seconds = Seconds(start);
  const int64_t tests = data->test.size();
  const double top1 = model->Predict(simclr::bench::FirstPixels(data->test, tests))
                          .eq(simclr::bench::FirstLabels(data->test, tests))
                          .to(torch::kFloat64)
                          .mean()
                          .item<double>();
  std::printf("%.1f %.2f %.4f\n", product_ms, probe_seconds, top1);
  return 0;
}

struct SideResult {
  std::string kernels;  // what BLIS said it selected
  double product_ms = 0, probe_seconds = 0, top1 = 0;
};

bool RunChild(const std::string& self, const std::string& side, int64_t train,
              int threads, SideResult* result) {
  // Only the chosen side may carry BLIS_ARCH_TYPE: unset it for "own".
  const std::string command = absl::StrCat(
      side == "own" ? "env -u BLIS_ARCH_TYPE " : "", "BLIS_ARCH_DEBUG=1 ", self,
      " --side ", side, " --train ", train, " --num_threads ", threads, " 2>&1");
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return false;
  char buffer[512];
  std::string last;
  while (fgets(buffer, sizeof buffer, pipe) != nullptr) {
    const std::string line = buffer;
    const std::string marker = "sub-configuration '";
    if (const auto at = line.find(marker); at != std::string::npos) {
      const auto begin = at + marker.size();
      result->kernels = line.substr(begin, line.find('\'', begin) - begin);
    } else {
      last = line;
    }
  }
  if (pclose(pipe) != 0) {
    std::cerr << side << " side failed: " << last;
    return false;
  }
  std::vector<std::string> fields =
      absl::StrSplit(absl::StripAsciiWhitespace(last), ' ');
  return fields.size() == 3 && absl::SimpleAtod(fields[0], &result->product_ms) &&
         absl::SimpleAtod(fields[1], &result->probe_seconds) &&
         absl::SimpleAtod(fields[2], &result->top1);
}

}  // namespace

int main(int argc, char** argv) {
  simclr::core::ConfigureMalloc();
  CLI::App app{"BLIS kernels: BLIS's own choice vs ChooseBlisKernels()"};
  std::string side;
  int64_t train = 60000;
  int threads = 0;
  app.add_option("--side", side, "Internal: run one side (own|chosen)")
      ->check(CLI::IsMember({"own", "chosen"}));
  app.add_option("--train", train, "Training images for the probe")
      ->check(CLI::Range(1000, 60000));
  app.add_option("--num_threads", threads, "Intra-op threads; 0 = all cores");
  CLI11_PARSE(app, argc, argv);
  if (side == "chosen") simclr::core::ChooseBlisKernels();
  if (!simclr::core::ConfigureTorchThreads(threads).ok()) return 2;
  if (!side.empty()) return RunSide(train);

  if (std::getenv("BLIS_ARCH_TYPE") != nullptr) {
    std::cout << "note: BLIS_ARCH_TYPE is set; the chosen side keeps it\n";
  }
  char self[4096] = {};
  if (readlink("/proc/self/exe", self, sizeof self - 1) <= 0) return 1;
  SideResult own, chosen;
  if (!RunChild(self, "own", train, threads, &own) ||
      !RunChild(self, "chosen", train, threads, &chosen)) {
    return 1;
  }
  std::printf("BLIS kernels, linear probe work on this CPU (family 0x%X)\n",
              simclr::core::ReadCpuIdentity().family);
  std::printf("%-26s %12s %14s %10s\n", "", "product ms", "probe seconds",
              "top-1");
  std::printf("%-26s %12.1f %14.2f %10.4f\n",
              absl::StrCat("BLIS's own (", own.kernels, ")").c_str(),
              own.product_ms, own.probe_seconds, own.top1);
  std::printf("%-26s %12.1f %14.2f %10.4f\n",
              absl::StrCat("ChooseBlisKernels (", chosen.kernels, ")").c_str(),
              chosen.product_ms, chosen.probe_seconds, chosen.top1);
  std::printf("speed-up: product %.2fx, probe %.2fx; top-1 difference %+.2f points\n",
              own.product_ms / chosen.product_ms,
              own.probe_seconds / chosen.probe_seconds,
              100 * (chosen.top1 - own.top1));
  return 0;
}
