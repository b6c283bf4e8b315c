#include "server/jobs/device_slots.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace simclr::server {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

TEST(DeviceSlotsTest, ParsesCountsAndGpus) {
  auto slots = DeviceSlots::Parse("cpu:2,cuda:0,cuda:1");
  ASSERT_TRUE(slots.ok()) << slots.status();
  EXPECT_EQ(slots->size(), 4);
  EXPECT_EQ(slots->CpuSlots(), 2);
  EXPECT_EQ(slots->Matching("cuda"), 2);
  EXPECT_EQ(slots->Matching("cuda:1"), 1);
  EXPECT_EQ(slots->Matching(""), 4);
  EXPECT_EQ(slots->Describe(), "cpu ×2, cuda:0, cuda:1");
}

TEST(DeviceSlotsTest, RefusesMalformedListsNamingTheFlag) {
  for (const char* text : {"", "gpu", "cpu:0", "cpu:65", "cuda:x", "cuda:01", "cuda:0,cuda:0",
                           "cpu:64,cpu"}) {
    auto slots = DeviceSlots::Parse(text);
    ASSERT_FALSE(slots.ok()) << text;
    EXPECT_THAT(std::string(slots.status().message()), HasSubstr("--devices")) << text;
  }
}

TEST(DeviceSlotsTest, ReservesWholeGroupsOrNothingAndReleases) {
  auto slots = *DeviceSlots::Parse("cpu:3");
  EXPECT_THAT(*slots.Reserve("a", "", 2), ElementsAre("cpu", "cpu"));
  EXPECT_FALSE(slots.Reserve("b", "cpu", 2).has_value());  // one free: not half a job
  EXPECT_THAT(*slots.Reserve("c", "cpu", 1), ElementsAre("cpu"));
  slots.Release("a");
  EXPECT_THAT(*slots.Reserve("b", "cpu", 2), ElementsAre("cpu", "cpu"));
  EXPECT_FALSE(slots.Reserve("d", "cuda", 1).has_value());
}

TEST(DeviceSlotsTest, GpuRequestsTakeTheirOwnSlots) {
  auto slots = *DeviceSlots::Parse("cuda:0,cuda:1");
  EXPECT_THAT(*slots.Reserve("a", "cuda:1", 1), ElementsAre("cuda:1"));
  EXPECT_FALSE(slots.Reserve("b", "cuda:1", 1).has_value());
  EXPECT_THAT(*slots.Reserve("b", "cuda", 1), ElementsAre("cuda:0"));
}

}  // namespace
}  // namespace simclr::server
