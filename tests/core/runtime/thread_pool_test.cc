#include "core/runtime/thread_pool.h"

#include <atomic>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "gtest/gtest.h"

namespace simclr::core {
namespace {

TEST(ThreadPoolTest, OneThreadRunsWorkInTheOrderItWasScheduled) {
  ThreadPool pool(1);
  absl::Mutex mu;
  std::vector<int> order;
  absl::Notification last;
  for (int i = 0; i < 50; ++i) {
    ASSERT_TRUE(pool.Schedule([&, i] {
      absl::MutexLock lock(&mu);
      order.push_back(i);
      if (i == 49) last.Notify();
    }));
  }
  last.WaitForNotification();
  absl::MutexLock lock(&mu);
  ASSERT_EQ(order.size(), 50u);
  for (int i = 0; i < 50; ++i) EXPECT_EQ(order[i], i);
}

TEST(ThreadPoolTest, StopRunsWhatIsQueuedThenRefusesNewWork) {
  ThreadPool pool(2);
  std::atomic<int> ran{0};
  absl::Notification gate;
  // Both threads wait on the gate, so the rest stays queued until Stop.
  for (int i = 0; i < 2; ++i) {
    ASSERT_TRUE(pool.Schedule([&] {
      gate.WaitForNotification();
      ++ran;
    }));
  }
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(pool.Schedule([&] { ++ran; }));
  gate.Notify();
  pool.Stop();
  EXPECT_EQ(ran.load(), 12);
  EXPECT_FALSE(pool.Schedule([&] { ++ran; }));
  pool.Stop();  // idempotent
  EXPECT_EQ(ran.load(), 12);
}

}  // namespace
}  // namespace simclr::core
