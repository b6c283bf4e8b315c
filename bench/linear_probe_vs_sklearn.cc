// Linear evaluation, ours against sklearn, on the same features, side by
// side in one run: LogisticRegressionCV-style selection of C (10 values
// over [1e-4, 1e4], stratified 5-fold) and the final fit, then test top-1.
//
//   bench_linear_probe_vs_sklearn [--checkpoint DIR] [--train N]
//
// Features: the checkpoint's encoder on Fashion-MNIST (the eval
// transform), or the raw pixels without --checkpoint; the first N training
// images (default all 60,000) and the 10,000 test images. sklearn runs in
// /usr/bin/python3 (python3-sklearn) on the same features written as .npy;
// its time is the fit alone, measured inside Python.
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>

#include "CLI/CLI.hpp"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "bench/fashion_mnist.h"
#include "core/common/blis_kernels.h"
#include "core/common/npy_writer.h"
#include "core/common/process_setup.h"
#include "core/eval/logistic_regression.h"
#include "core/inference/features.h"
#include "core/runtime/threads.h"
#include "core/train/checkpoint.h"
#include "torch/torch.h"

namespace {

using simclr::core::ImageDataset;

at::Tensor Features(simclr::core::Encoder* encoder, const ImageDataset& data,
                    int64_t n) {
  if (encoder == nullptr) return simclr::bench::FirstPixels(data, n);
  std::vector<int64_t> indices(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) indices[i] = i;
  const simclr::core::InputShape shape{28, 1, {0.286f}, {0.353f}};
  return simclr::core::ExtractFeatures(encoder->module, data, indices, shape,
                                       512, torch::Device(torch::kCPU));
}

void WriteNpy(const std::string& path, const at::Tensor& t) {
  const at::Tensor f = t.to(torch::kFloat).reshape({t.size(0), -1}).contiguous();
  auto status = simclr::core::WriteNpyFloat32(path, f.data_ptr<float>(),
                                              f.size(0), f.size(1));
  if (!status.ok()) {
    std::cerr << status << "\n";
    std::exit(1);
  }
}

}  // namespace

int main(int argc, char** argv) {
  simclr::core::ConfigureMalloc();
  simclr::core::ChooseBlisKernels();
  CLI::App app{"Linear probe: ours against sklearn's LogisticRegressionCV"};
  std::string checkpoint;
  int64_t train = 60000;
  int threads = 0;
  app.add_option("--checkpoint", checkpoint, "Checkpoint folder (else raw pixels)");
  app.add_option("--train", train, "Training images")->check(CLI::Range(100, 60000));
  app.add_option("--num_threads", threads, "Intra-op threads; 0 = all cores");
  CLI11_PARSE(app, argc, argv);
  if (!simclr::core::ConfigureTorchThreads(threads).ok()) return 2;

  const std::optional<simclr::bench::FashionMnist> data =
      simclr::bench::LoadFashionMnist();
  if (!data.has_value()) return 1;
  const ImageDataset* train_data = &data->train;
  const ImageDataset* test_data = &data->test;
  std::optional<simclr::core::Encoder> encoder;
  if (!checkpoint.empty()) {
    encoder.emplace();
    if (auto s = simclr::core::LoadEncoderModule(checkpoint, &*encoder); !s.ok()) {
      std::cerr << s << "\n";
      return 1;
    }
  }
  const at::Tensor x = Features(encoder ? &*encoder : nullptr, *train_data, train);
  const at::Tensor y = simclr::bench::FirstLabels(*train_data, train);
  const at::Tensor x_test =
      Features(encoder ? &*encoder : nullptr, *test_data, test_data->size());
  const at::Tensor y_test =
      simclr::bench::FirstLabels(*test_data, test_data->size());

  // Ours: the LINEAR_EVAL job's defaults.
  const auto start = std::chrono::steady_clock::now();
  simclr::core::LogisticRegressionOptions cv_options;
  cv_options.max_iterations = 100;
  auto cv = simclr::core::CrossValidateC(x, y, 10, simclr::core::DefaultCGrid(),
                                         5, 1, cv_options);
  if (!cv.ok()) {
    std::cerr << cv.status() << "\n";
    return 1;
  }
  auto model = simclr::core::FitLogisticRegression(x, y, 10, cv->best_c, {},
                                                   &cv->warm_start);
  const double ours_seconds = std::chrono::duration<double>(
                                  std::chrono::steady_clock::now() - start)
                                  .count();
  const double ours_top1 =
      model->Predict(x_test).eq(y_test).to(torch::kFloat64).mean().item<double>();

  char dir_template[] = "/tmp/linear-probe-XXXXXX";
  const std::string dir = mkdtemp(dir_template);
  WriteNpy(dir + "/x.npy", x);
  WriteNpy(dir + "/y.npy", y);
  WriteNpy(dir + "/xt.npy", x_test);
  WriteNpy(dir + "/yt.npy", y_test);
  std::ofstream(dir + "/sk.py") << R"(import sys, time, numpy as np
from sklearn.linear_model import LogisticRegressionCV
from sklearn.model_selection import StratifiedKFold
from sklearn.preprocessing import StandardScaler
d = sys.argv[1]
x, y = np.load(d + '/x.npy'), np.load(d + '/y.npy').ravel().astype(int)
xt, yt = np.load(d + '/xt.npy'), np.load(d + '/yt.npy').ravel().astype(int)
t = time.perf_counter()
s = StandardScaler().fit(x)
m = LogisticRegressionCV(Cs=10, cv=StratifiedKFold(5, shuffle=True, random_state=1),
                         n_jobs=-1).fit(s.transform(x), y)
seconds = time.perf_counter() - t
print(seconds, m.score(s.transform(xt), yt), m.C_[0])
)";
  const std::string command =
      absl::StrCat("/usr/bin/python3 ", dir, "/sk.py ", dir, " 2>/dev/null");
  FILE* pipe = popen(command.c_str(), "r");
  char line[256] = {0};
  const bool read = pipe != nullptr && fgets(line, sizeof line, pipe) != nullptr;
  if (pipe != nullptr) pclose(pipe);
  std::vector<std::string> fields = absl::StrSplit(std::string(line), ' ');
  double sk_seconds = 0, sk_top1 = 0, sk_c = 0;
  if (!read || fields.size() < 3 || !absl::SimpleAtod(fields[0], &sk_seconds) ||
      !absl::SimpleAtod(fields[1], &sk_top1) ||
      !absl::SimpleAtod(absl::StripAsciiWhitespace(fields[2]), &sk_c)) {
    std::cerr << "sklearn run failed: " << line << "\n";
    return 1;
  }
  std::printf("linear probe on %lld × %lld features (%s), 10 C values × 5 folds\n",
              static_cast<long long>(x.size(0)), static_cast<long long>(x.size(1)),
              checkpoint.empty() ? "raw pixels" : checkpoint.c_str());
  std::printf("%-10s %10s %10s %10s\n", "", "seconds", "top-1", "C");
  std::printf("%-10s %10.1f %10.4f %10.3g   (%d + %d loss evaluations)\n",
              "ours", ours_seconds, ours_top1, cv->best_c, cv->evaluations,
              model->evaluations);
  std::printf("%-10s %10.1f %10.4f %10.3g\n", "sklearn", sk_seconds, sk_top1, sk_c);
  std::printf("speed-up %.2fx, top-1 difference %+.2f points\n",
              sk_seconds / ours_seconds, 100 * (ours_top1 - sk_top1));
  return 0;
}
