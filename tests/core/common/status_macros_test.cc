#include "core/common/status_macros.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"

namespace simclr::core {
namespace {

using ::simclr::testing::IsOk;
using ::simclr::testing::StatusIs;
using ::testing::HasSubstr;

absl::StatusOr<int> Half(int x) {
  if (x % 2 != 0) return absl::InvalidArgumentError("odd");
  return x / 2;
}

absl::StatusOr<int> Quarter(int x, int* calls) {
  ++*calls;
  SIMCLR_ASSIGN_OR_RETURN(const int half, Half(x));
  SIMCLR_ASSIGN_OR_RETURN(int quarter, Half(half));
  return quarter;
}

absl::Status CheckEven(int x, int* reached_end) {
  SIMCLR_RETURN_IF_ERROR(Half(x).status());
  ++*reached_end;
  return absl::OkStatus();
}

TEST(StatusMacrosTest, AssignOrReturnPassesValuesAndErrors) {
  int calls = 0;
  EXPECT_EQ(*Quarter(8, &calls), 2);
  EXPECT_THAT(Quarter(6, &calls),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("odd")));
  EXPECT_EQ(calls, 2);
}

TEST(StatusMacrosTest, ReturnIfErrorStopsEarly) {
  int reached_end = 0;
  EXPECT_THAT(CheckEven(4, &reached_end), IsOk());
  EXPECT_THAT(CheckEven(3, &reached_end),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("odd")));
  EXPECT_EQ(reached_end, 1);
}

}  // namespace
}  // namespace simclr::core
