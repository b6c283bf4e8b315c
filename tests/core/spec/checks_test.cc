#include "core/spec/checks.h"

#include <cmath>
#include <limits>

#include "core/common/field_error.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"

namespace simclr::core {
namespace {

using ::simclr::testing::IsOk;
using ::simclr::testing::StatusIs;
using ::testing::HasSubstr;

TEST(ChecksTest, IntervalsHonourOpenEndsAndRefuseNan) {
  EXPECT_THAT(CheckInterval("x", 0.5, {0, 1, true}), IsOk());
  EXPECT_THAT(CheckInterval("x", 0, {0, 1, true}),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("x: 0 is outside (0, 1]")));
  EXPECT_THAT(CheckInterval("x", 1, {0, 1, false, true}),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("[0, 1)")));
  EXPECT_FALSE(CheckInterval("x", std::nan(""), {0, 1}).ok());
  EXPECT_FALSE(CheckInterval("x", std::numeric_limits<double>::infinity(), {0, 1}).ok());
  EXPECT_FALSE(CheckAtLeast("x", std::nan(""), 0).ok());
  EXPECT_THAT(CheckAtLeast("x", 0, 0), IsOk());
  EXPECT_FALSE(CheckAtLeast("x", 0, 0, /*open=*/true).ok());
}

TEST(ChecksTest, ErrorsCarryTheirFieldBesideTheMessage) {
  const absl::Status status = CheckInt("a.b[2]", 7, 0, 5);
  EXPECT_EQ(ErrorField(status), "a.b[2]");
  const absl::Status prefixed = PrefixField("spec", status);
  EXPECT_EQ(ErrorField(prefixed), "spec.a.b[2]");
  EXPECT_EQ(prefixed.message(), "spec.a.b[2]: 7 is outside [0, 5]");
  EXPECT_EQ(ErrorField(absl::InternalError("no field")), "");
}

TEST(ChecksTest, EnumsRefuseUnknownValuesAndOptionallyZero) {
  auto valid = [](int v) { return v >= 0 && v <= 2; };
  EXPECT_THAT(CheckEnum("e", 0, valid), IsOk());
  EXPECT_THAT(CheckEnum("e", 0, valid, /*allow_zero=*/false),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("e: required")));
  EXPECT_THAT(CheckEnum("e", 9, valid),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("9 is not a known value")));
}

TEST(ChecksTest, CountsAndLengths) {
  EXPECT_THAT(CheckCount("r", 3, 1, 8), IsOk());
  EXPECT_FALSE(CheckCount("r", 0, 1, 8).ok());
  EXPECT_FALSE(CheckCount("r", 9, 1, 8).ok());
  EXPECT_THAT(CheckLength("s", "abc", 3), IsOk());
  EXPECT_THAT(CheckLength("s", "abcd", 3),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("s: 4 bytes; at most 3")));
  EXPECT_THAT(CheckLength("s", "猫", 3), IsOk());
  EXPECT_THAT(CheckLength("s", "\xC3(", 8),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("s: not valid UTF-8")));
}

TEST(ChecksTest, Labels) {
  google::protobuf::Map<std::string, std::string> labels;
  labels["team"] = "vision";
  EXPECT_THAT(CheckLabels("labels", labels), IsOk());
  labels["Team"] = "x";
  EXPECT_THAT(CheckLabels("labels", labels),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("labels: key \"Team\" does not match")));
  labels.erase("Team");
  labels["team"] = std::string(257, 'v');
  EXPECT_THAT(CheckLabels("labels", labels),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("labels[team]: 257 bytes")));
  labels["team"] = "\xFF";
  EXPECT_THAT(CheckLabels("labels", labels),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("labels[team]: not valid UTF-8")));
  labels.clear();
  for (int i = 0; i < 33; ++i) labels["k" + std::to_string(i)] = "";
  EXPECT_THAT(CheckLabels("labels", labels),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("33 entries; at most 32")));
}

}  // namespace
}  // namespace simclr::core
