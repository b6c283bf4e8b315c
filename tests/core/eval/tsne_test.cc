#include "core/eval/tsne.h"

#include <cmath>
#include <random>

#include "core/data/idx_reader.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"

namespace simclr::core {
namespace {

using ::simclr::testing::IsOk;
using ::simclr::testing::StatusIs;

// 400 Fashion-MNIST test images as 784-D points in [0, 1].
std::vector<float> Pixels(int64_t n) {
  auto data = ReadIdxDataset(
      "/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz", "");
  EXPECT_THAT(data.status(), IsOk());
  std::vector<float> points(static_cast<size_t>(n * 784));
  for (size_t i = 0; i < points.size(); ++i) points[i] = data->pixels[i] / 255.f;
  return points;
}

// A random linear map to 2-D, the baseline a neighbour-keeping map beats.
std::vector<double> RandomProjection(const std::vector<float>& x, int64_t n,
                                     int64_t dim) {
  std::mt19937_64 rng(9);
  std::normal_distribution<double> normal;
  std::vector<double> w(static_cast<size_t>(2 * dim));
  for (double& v : w) v = normal(rng);
  std::vector<double> y(static_cast<size_t>(2 * n), 0);
  for (int64_t i = 0; i < n; ++i)
    for (int64_t d = 0; d < dim; ++d)
      for (int c = 0; c < 2; ++c) y[2 * i + c] += x[i * dim + d] * w[c * dim + d];
  return y;
}

class TsneTest : public ::testing::TestWithParam<bool> {};

TEST_P(TsneTest, KeepsNeighboursBetterThanARandomProjection) {
  const int64_t n = 400, dim = 784;
  const std::vector<float> x = Pixels(n);
  TsneOptions options;
  options.perplexity = 20;
  options.iterations = 500;
  options.barnes_hut = GetParam();
  options.seed = 3;
  auto y = RunTsne(x, n, dim, options);
  ASSERT_THAT(y.status(), IsOk());
  ASSERT_EQ(y->size(), static_cast<size_t>(2 * n));
  for (const double v : *y) ASSERT_TRUE(std::isfinite(v));
  const double tsne = Trustworthiness(x, dim, *y, 2, n, 10);
  const double random = Trustworthiness(x, dim, RandomProjection(x, n, dim), 2, n, 10);
  EXPECT_GT(tsne, random + 0.05) << "t-SNE " << tsne << ", random " << random;
  EXPECT_GT(tsne, 0.9);
}

INSTANTIATE_TEST_SUITE_P(ExactAndBarnesHut, TsneTest, ::testing::Bool());

TEST(TsneTest, IsDeterministicForASeed) {
  const std::vector<float> x = Pixels(60);
  TsneOptions options;
  options.perplexity = 10;
  options.iterations = 300;
  auto a = RunTsne(x, 60, 784, options);
  auto b = RunTsne(x, 60, 784, options);
  ASSERT_THAT(a.status(), IsOk());
  ASSERT_THAT(b.status(), IsOk());
  EXPECT_EQ(*a, *b);
}

TEST(TrustworthinessTest, IsOneForTheIdentityMap) {
  const std::vector<float> x = {0, 0, 1, 0, 3, 1, 7, 2, 2, 9, 5, 5};
  const std::vector<double> y(x.begin(), x.end());
  EXPECT_DOUBLE_EQ(Trustworthiness(x, 2, y, 2, 6, 2), 1.0);
}

TEST(TsneTest, RejectsBadInput) {
  std::vector<float> x(40, 0.5f);
  TsneOptions options;
  options.perplexity = 30;  // > (20 - 1) / 3
  EXPECT_THAT(RunTsne(x, 20, 2, options).status(),
              StatusIs(absl::StatusCode::kInvalidArgument));
  options.perplexity = 3;
  EXPECT_THAT(RunTsne(x, 21, 2, options).status(),
              StatusIs(absl::StatusCode::kInvalidArgument));
  x[7] = std::nanf("");
  EXPECT_THAT(RunTsne(x, 20, 2, options).status(),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

}  // namespace
}  // namespace simclr::core
