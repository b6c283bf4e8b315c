#include "core/eval/logistic_regression.h"

#include <cstdlib>
#include <fstream>
#include <string>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "core/common/npy_writer.h"
#include "core/data/idx_reader.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/subprocess.h"
#include "tests/testing/temp_dir.h"
#include "torch/torch.h"

namespace simclr::core {
namespace {

using ::simclr::testing::IsOk;
using ::simclr::testing::StatusIs;
using ::testing::HasSubstr;

double Accuracy(const LogisticModel& model, const at::Tensor& x,
                const at::Tensor& y) {
  return model.Predict(x).eq(y).to(torch::kFloat64).mean().item<double>();
}

// Four well-separated Gaussian blobs in 16-D.
std::pair<at::Tensor, at::Tensor> Blobs(int64_t per_class, uint64_t seed) {
  torch::manual_seed(seed);
  const at::Tensor centres = torch::randn({4, 16}) * 6;
  const at::Tensor y = torch::arange(4).repeat_interleave(per_class);
  const at::Tensor x = centres.index_select(0, y) + torch::randn({4 * per_class, 16});
  return {x, y};
}

TEST(LogisticRegressionTest, SeparatesSeparableData) {
  const auto [x, y] = Blobs(100, 1);
  const auto [x_test, y_test] = Blobs(50, 1);
  auto model = FitLogisticRegression(x, y, 4, 1.0, {});
  ASSERT_THAT(model.status(), IsOk());
  EXPECT_TRUE(model->converged) << model->final_gradient;
  EXPECT_GE(Accuracy(*model, x_test, y_test), 0.99);
}

TEST(LogisticRegressionTest, ShuffledLabelsStayAtChance) {
  torch::manual_seed(3);
  const at::Tensor x = torch::randn({2000, 32});
  const at::Tensor y = torch::randint(0, 4, {2000});
  const at::Tensor x_test = torch::randn({2000, 32});
  const at::Tensor y_test = torch::randint(0, 4, {2000});
  auto cv = CrossValidateC(x, y, 4, DefaultCGrid(), 5, 1, {});
  ASSERT_THAT(cv.status(), IsOk());
  auto model = FitLogisticRegression(x, y, 4, cv->best_c, {});
  ASSERT_THAT(model.status(), IsOk());
  EXPECT_NEAR(Accuracy(*model, x_test, y_test), 0.25, 0.04);
}

TEST(LogisticRegressionTest, StrongRegularisationShrinksTheWeights) {
  const auto [x, y] = Blobs(50, 2);
  auto weak = FitLogisticRegression(x, y, 4, 100.0, {});
  auto strong = FitLogisticRegression(x, y, 4, 1e-4, {});
  ASSERT_THAT(weak.status(), IsOk());
  ASSERT_THAT(strong.status(), IsOk());
  EXPECT_LT(strong->weight.norm().item<double>() * 10,
            weak->weight.norm().item<double>());
}

TEST(LogisticRegressionTest, CrossValidationPicksTheBestMeanAccuracy) {
  // Noisy labels on one informative feature among 50: accuracies differ
  // across the grid, and the pick is the (smallest) best.
  torch::manual_seed(5);
  const at::Tensor y = torch::randint(0, 3, {300});
  at::Tensor x = torch::randn({300, 50});
  x.select(1, 0).add_(y.to(torch::kFloat));
  const std::vector<double> grid = {1e4, 1e-5, 1e-2, 1.0};
  auto cv = CrossValidateC(x, y, 3, grid, 4, 7, {});
  ASSERT_THAT(cv.status(), IsOk());
  EXPECT_EQ(cv->folds, 4);
  ASSERT_EQ(cv->mean_accuracy.size(), 4u);  // in ascending order of C
  const auto best =
      std::max_element(cv->mean_accuracy.begin(), cv->mean_accuracy.end());
  const double sorted[] = {1e-5, 1e-2, 1.0, 1e4};
  EXPECT_EQ(cv->best_c, sorted[best - cv->mean_accuracy.begin()]);
  EXPECT_GT(*best, 0.45);  // well above chance (1/3)
  // A class with 2 members caps the folds at 2.
  at::Tensor few = y.clone();
  few.slice(0, 0, 298).clamp_(0, 1);
  few[298] = 2;
  few[299] = 2;
  auto capped = CrossValidateC(x, few, 3, {1.0}, 5, 7, {});
  ASSERT_THAT(capped.status(), IsOk());
  EXPECT_EQ(capped->folds, 2);
}

TEST(LogisticRegressionTest, RejectsBadInput) {
  const at::Tensor x = torch::randn({10, 3});
  const at::Tensor y = torch::zeros({10}, torch::kInt64);
  EXPECT_THAT(FitLogisticRegression(x, y, 2, 0.0, {}).status(),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("C")));
  EXPECT_THAT(FitLogisticRegression(x, torch::zeros({9}, torch::kInt64), 2,
                                    1.0, {})
                  .status(),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(CrossValidateC(x, y, 2, {}, 5, 0, {}).status(),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("grid")));
  EXPECT_THAT(CrossValidateC(x, y + 5, 2, {1.0}, 5, 0, {}).status(),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("label 5")));
}

// The same features and C through sklearn's LogisticRegression (lbfgs) in
// Debian's python3-sklearn: test accuracies agree within 0.5 points.
TEST(LogisticRegressionTest, MatchesSklearnOnFashionMnistPixels) {
  auto data = ReadIdxDataset(
      "/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz",
      "/usr/share/datasets/fashion-mnist/t10k-labels-idx1-ubyte.gz");
  ASSERT_THAT(data.status(), IsOk());
  const int64_t n_train = 2000, n_test = 1000, d = 784;
  const at::Tensor pixels =
      torch::from_blob(data->pixels.data(), {data->size(), d}, torch::kUInt8)
          .to(torch::kFloat) / 255.0;
  std::vector<int64_t> labels(data->labels.begin(), data->labels.end());
  const at::Tensor all_y = torch::tensor(labels, torch::kInt64);
  const at::Tensor x = pixels.slice(0, 0, n_train).contiguous();
  const at::Tensor y = all_y.slice(0, 0, n_train);
  const at::Tensor x_test = pixels.slice(0, n_train, n_train + n_test).contiguous();
  const at::Tensor y_test = all_y.slice(0, n_train, n_train + n_test);
  const double c = 0.1;
  auto model = FitLogisticRegression(x, y, 10, c, {});
  ASSERT_THAT(model.status(), IsOk());
  const double ours = Accuracy(*model, x_test, y_test);

  testing::TempDir dir;
  auto write = [&](const std::string& name, const at::Tensor& t) {
    const at::Tensor f = t.to(torch::kFloat).reshape({t.size(0), -1}).contiguous();
    ASSERT_THAT(WriteNpyFloat32(dir.path() + "/" + name, f.data_ptr<float>(),
                                f.size(0), f.size(1)),
                IsOk());
  };
  write("x.npy", x);
  write("y.npy", y);
  write("xt.npy", x_test);
  write("yt.npy", y_test);
  const std::string script = dir.path() + "/probe.py";
  std::ofstream(script) << R"(import sys, numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import StandardScaler
d, c = sys.argv[1], float(sys.argv[2])
x, y = np.load(d + '/x.npy'), np.load(d + '/y.npy').ravel().astype(int)
xt, yt = np.load(d + '/xt.npy'), np.load(d + '/yt.npy').ravel().astype(int)
s = StandardScaler().fit(x)
m = LogisticRegression(C=c, max_iter=5000, tol=1e-6).fit(s.transform(x), y)
print(m.score(s.transform(xt), yt))
)";
  auto python = simclr::testing::RunProcess(
      {"/usr/bin/python3", script, dir.path(), absl::StrCat(c)},
      absl::Minutes(3));
  ASSERT_THAT(python.status(), IsOk());
  ASSERT_EQ(python->exit_code, 0) << python->stderr_text;
  double sklearn = 0;
  ASSERT_TRUE(absl::SimpleAtod(
      std::string(python->stdout_text.substr(0, python->stdout_text.find('\n'))),
      &sklearn))
      << python->stdout_text;
  EXPECT_NEAR(ours, sklearn, 0.005) << "ours " << ours << ", sklearn " << sklearn;
  EXPECT_GT(ours, 0.7);
}

}  // namespace
}  // namespace simclr::core
