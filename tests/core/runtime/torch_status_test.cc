#include "core/runtime/torch_status.h"

#include <stdexcept>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "opencv2/imgproc.hpp"
#include "tests/testing/status_matchers.h"
#include "torch/torch.h"

namespace simclr::core {
namespace {

using ::simclr::testing::IsOk;
using ::simclr::testing::StatusIs;
using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::Not;

TEST(CallTorchTest, ReturnsTheValueOnSuccess) {
  auto sum = CallTorch("sum", [] {
    return torch::ones({2, 3}).sum().item<float>();
  });
  ASSERT_THAT(sum, IsOk());
  EXPECT_FLOAT_EQ(*sum, 6.0f);
}

TEST(CallTorchTest, ShapeErrorBecomesStatusWithoutBacktrace) {
  auto product = CallTorch("matmul", [] {
    return torch::matmul(torch::ones({2, 3}), torch::ones({2, 3}));
  });
  EXPECT_THAT(product,
              StatusIs(absl::StatusCode::kInternal,
                       AllOf(HasSubstr("matmul: "), Not(HasSubstr("\n")))));
}

TEST(CallTorchTest, IndexErrorIsInvalidArgument) {
  EXPECT_THAT(
      CallTorch("select", [] { torch::ones({2}).select(0, 5); }),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("select")));
}

TEST(CallTorchTest, OpenCvErrorIsInvalidArgument) {
  EXPECT_THAT(
      CallTorch("resize",
                [] {
                  cv::Mat empty, out;
                  cv::resize(empty, out, cv::Size(4, 4));
                }),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("resize")));
}

TEST(CallTorchTest, StdExceptionIsInternal) {
  EXPECT_THAT(CallTorch("f", [] { throw std::runtime_error("boom"); }),
              StatusIs(absl::StatusCode::kInternal, HasSubstr("f: boom")));
}

}  // namespace
}  // namespace simclr::core
