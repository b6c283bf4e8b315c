#include "core/runtime/thread_pool.h"

#include <algorithm>
#include <atomic>
#include <string>
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

TEST(ThreadPoolTest, AStepTaskTakesTurnsSoASmallOneBehindItIsNotStuck) {
  ThreadPool pool(1);
  absl::Mutex mu;
  std::vector<std::string> order;
  absl::Notification gate, done;
  // Holds the only thread until both tasks are queued.
  ASSERT_TRUE(pool.Schedule([&] { gate.WaitForNotification(); }));
  int big_steps = 0;
  ASSERT_TRUE(pool.ScheduleSteps([&] {
    absl::MutexLock lock(&mu);
    order.push_back("big");
    return ++big_steps < 100;
  }));
  ASSERT_TRUE(pool.Schedule([&] {
    absl::MutexLock lock(&mu);
    order.push_back("small");
  }));
  ASSERT_TRUE(pool.ScheduleSteps([&] {
    done.Notify();
    return false;
  }));
  gate.Notify();
  done.WaitForNotification();
  pool.Stop();
  absl::MutexLock lock(&mu);
  ASSERT_EQ(order.size(), 101u);
  // FIFO would run all 100 big steps first; in turns the small one is second.
  EXPECT_EQ(order[1], "small");
  EXPECT_EQ(std::count(order.begin(), order.end(), "big"), 100);
}

}  // namespace
}  // namespace simclr::core
