#include "core/runtime/threads.h"

#include <thread>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"

namespace simclr::core {
namespace {

using ::simclr::testing::IsOk;
using ::simclr::testing::StatusIs;

TEST(ConfigureTorchThreadsTest, SetsTheRequestedCount) {
  ASSERT_THAT(ConfigureTorchThreads(1), IsOk());
  EXPECT_EQ(TorchIntraOpThreads(), 1);
  ASSERT_THAT(ConfigureTorchThreads(3), IsOk());
  EXPECT_EQ(TorchIntraOpThreads(), 3);
}

TEST(ConfigureTorchThreadsTest, ZeroMeansOnePerHardwareThread) {
  ASSERT_THAT(ConfigureTorchThreads(0), IsOk());
  EXPECT_EQ(
      TorchIntraOpThreads(),
      static_cast<int>(std::max(1u, std::thread::hardware_concurrency())));
}

TEST(ConfigureTorchThreadsTest, OutOfRangeIsInvalidArgument) {
  EXPECT_THAT(ConfigureTorchThreads(-1),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(ConfigureTorchThreads(1025),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

}  // namespace
}  // namespace simclr::core
