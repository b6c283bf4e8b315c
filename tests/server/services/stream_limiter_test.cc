#include "server/services/stream_limiter.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace simclr::server {
namespace {

TEST(StreamLimiterTest, RefusesPastTheCapAndFreesASlotWhenItEnds) {
  StreamLimiter limiter("upload streams", "--max_upload_streams", 2);
  StreamLimiter::Slot first, second, third;
  EXPECT_TRUE(limiter.Acquire(&first).ok());
  EXPECT_TRUE(limiter.Acquire(&second).ok());
  const grpc::Status refused = limiter.Acquire(&third);
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_THAT(refused.error_message(),
              ::testing::HasSubstr("2 upload streams are open (--max_upload_streams)"));
  EXPECT_EQ(limiter.open(), 2);
  first = StreamLimiter::Slot();  // the stream ends
  EXPECT_EQ(limiter.open(), 1);
  EXPECT_TRUE(limiter.Acquire(&third).ok());
  {
    StreamLimiter::Slot scoped;
    EXPECT_FALSE(limiter.Acquire(&scoped).ok());
  }
  EXPECT_EQ(limiter.open(), 2);
}

}  // namespace
}  // namespace simclr::server
