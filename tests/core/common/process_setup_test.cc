#include "core/common/process_setup.h"

#include <malloc.h>

#include <cstdlib>
#include <cstring>

#include "gtest/gtest.h"

namespace simclr::core {
namespace {

// A 64 MB activation-sized block must come from the heap, not from a fresh
// mmap that is unmapped again on free (STACK.md pitfall 4).
// ASan and TSan replace glibc's malloc, whose settings these tests check.
#if defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define SIMCLR_SANITIZED_MALLOC 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define SIMCLR_SANITIZED_MALLOC 1
#endif
#ifdef SIMCLR_SANITIZED_MALLOC
#define SKIP_UNDER_SANITIZERS() GTEST_SKIP() << "the sanitizer's allocator replaces glibc malloc"
#else
#define SKIP_UNDER_SANITIZERS() (void)0
#endif

TEST(ConfigureMallocTest, LargeBlocksAreNotMmapped) {
  SKIP_UNDER_SANITIZERS();
  ASSERT_TRUE(ConfigureMalloc());
  const size_t mmapped_before = mallinfo2().hblks;
  constexpr size_t kBytes = 64u << 20;
  char* block = static_cast<char*>(std::malloc(kBytes));
  ASSERT_NE(block, nullptr);
  std::memset(block, 1, kBytes);
  EXPECT_EQ(mallinfo2().hblks, mmapped_before);
  std::free(block);
}

// After free, the heap keeps the memory for the next step instead of
// trimming it back to the kernel.
TEST(ConfigureMallocTest, FreedMemoryStaysInTheHeap) {
  SKIP_UNDER_SANITIZERS();
  ASSERT_TRUE(ConfigureMalloc());
  constexpr size_t kBytes = 64u << 20;
  char* block = static_cast<char*>(std::malloc(kBytes));
  ASSERT_NE(block, nullptr);
  std::memset(block, 1, kBytes);
  std::free(block);
  EXPECT_GE(mallinfo2().fordblks, kBytes / 2);
}

}  // namespace
}  // namespace simclr::core
