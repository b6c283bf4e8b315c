#include "core/inference/once_lru_cache.h"

#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/synchronization/notification.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"

namespace simclr::core {
namespace {

using ::simclr::testing::IsOk;
using ::simclr::testing::StatusIs;
using Cache = OnceLruCache<const std::string>;

Cache::Weigher Length() {
  return [](const std::string& value) {
    return static_cast<int64_t>(value.size());
  };
}

TEST(OnceLruCacheTest, ConcurrentFirstRequestsRunTheLoaderOnce) {
  std::atomic<int> calls{0};
  absl::Notification release;
  Cache cache(
      [&](const std::string& key)
          -> absl::StatusOr<std::shared_ptr<const std::string>> {
        ++calls;
        release.WaitForNotification();  // every other caller arrives meanwhile
        return std::make_shared<const std::string>("value of " + key);
      },
      Length(), 4, 1 << 20);
  std::vector<std::shared_ptr<const std::string>> got(16);
  std::vector<std::thread> threads;
  for (int i = 0; i < 16; ++i) {
    threads.emplace_back([&, i] {
      auto value = cache.Get("a");
      ASSERT_THAT(value, IsOk());
      got[i] = *value;
    });
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  release.Notify();
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(calls.load(), 1);
  EXPECT_EQ(cache.loads(), 1);
  for (const auto& value : got) EXPECT_EQ(value.get(), got[0].get());
  EXPECT_EQ(*got[0], "value of a");
}

TEST(OnceLruCacheTest, AFailedLoadIsSharedByItsWaitersButNotCached) {
  int calls = 0;
  Cache cache(
      [&](const std::string&)
          -> absl::StatusOr<std::shared_ptr<const std::string>> {
        if (++calls == 1) return absl::NotFoundError("gone");
        return std::make_shared<const std::string>("back");
      },
      Length(), 4, 1 << 20);
  EXPECT_THAT(cache.Get("k"), StatusIs(absl::StatusCode::kNotFound));
  EXPECT_EQ(cache.size(), 0u);
  auto again = cache.Get("k");
  ASSERT_THAT(again, IsOk());
  EXPECT_EQ(**again, "back");
  EXPECT_EQ(calls, 2);
}

TEST(OnceLruCacheTest, EvictsTheLeastRecentlyUsedByCountAndBytes) {
  int calls = 0;
  Cache by_count(
      [&](const std::string& key)
          -> absl::StatusOr<std::shared_ptr<const std::string>> {
        ++calls;
        return std::make_shared<const std::string>(key);
      },
      Length(), 2, 1 << 20);
  ASSERT_THAT(by_count.Get("a"), IsOk());
  ASSERT_THAT(by_count.Get("b"), IsOk());
  ASSERT_THAT(by_count.Get("a"), IsOk());  // a is now the most recent
  ASSERT_THAT(by_count.Get("c"), IsOk());  // evicts b
  EXPECT_EQ(calls, 3);
  ASSERT_THAT(by_count.Get("a"), IsOk());
  EXPECT_EQ(calls, 3);
  ASSERT_THAT(by_count.Get("b"), IsOk());  // reloaded
  EXPECT_EQ(calls, 4);
  EXPECT_EQ(by_count.size(), 2u);

  Cache by_bytes(
      [](const std::string& key)
          -> absl::StatusOr<std::shared_ptr<const std::string>> {
        return std::make_shared<const std::string>(std::string(10, key[0]));
      },
      Length(), 100, 25);
  ASSERT_THAT(by_bytes.Get("x"), IsOk());
  ASSERT_THAT(by_bytes.Get("y"), IsOk());
  ASSERT_THAT(by_bytes.Get("z"), IsOk());  // 30 bytes > 25: x goes
  EXPECT_EQ(by_bytes.size(), 2u);
  EXPECT_EQ(by_bytes.bytes(), 20);
  EXPECT_EQ(by_bytes.loads(), 3);
}

TEST(OnceLruCacheTest, AnEvictedValueLivesWhileItIsStillUsed) {
  Cache cache(
      [](const std::string& key)
          -> absl::StatusOr<std::shared_ptr<const std::string>> {
        return std::make_shared<const std::string>(key);
      },
      Length(), 1, 1 << 20);
  auto held = cache.Get("old");
  ASSERT_THAT(held, IsOk());
  ASSERT_THAT(cache.Get("new"), IsOk());  // evicts "old" from the cache
  EXPECT_EQ(cache.size(), 1u);
  EXPECT_EQ(**held, "old");  // still valid for whoever holds it
}

}  // namespace
}  // namespace simclr::core
