#include "core/runtime/device.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"

namespace simclr::core {
namespace {

using ::simclr::testing::IsOk;
using ::simclr::testing::StatusIs;
using ::testing::HasSubstr;

TEST(ResolveDeviceTest, CpuAndEmptyMeanCpu) {
  for (const char* text : {"", "cpu"}) {
    auto device = ResolveDevice(text);
    ASSERT_THAT(device, IsOk());
    EXPECT_TRUE(device->is_cpu());
  }
}

TEST(ResolveDeviceTest, MalformedNamesAreInvalidArgument) {
  for (const char* text : {"gpu", "CPU", "cuda:", "cuda:-1", "cuda:x", "cuda0",
                           "cuda:1:2", "cuda:256", "mps"}) {
    EXPECT_THAT(ResolveDevice(text),
                StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr(text)))
        << text;
  }
}

TEST(ResolveDeviceTest, CudaResolvesOnlyWhenAvailable) {
  const int count = CudaDeviceCount();
  if (count == 0) {
    EXPECT_THAT(ResolveDevice("cuda"),
                StatusIs(absl::StatusCode::kFailedPrecondition,
                         HasSubstr("0 CUDA device")));
    return;
  }
  auto device = ResolveDevice("cuda:0");
  ASSERT_THAT(device, IsOk());
  EXPECT_TRUE(device->is_cuda());
  EXPECT_THAT(ResolveDevice("cuda:" + std::to_string(count)),
              StatusIs(absl::StatusCode::kFailedPrecondition));
}

}  // namespace
}  // namespace simclr::core
