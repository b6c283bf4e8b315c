#include "core/common/process_setup.h"

#include <malloc.h>

#include <cstdlib>
#include <cstring>

#include "gtest/gtest.h"

namespace simclr::core {
namespace {

// A 64 MB activation-sized block must come from the heap, not from a fresh
// mmap that is unmapped again on free (STACK.md pitfall 4).
TEST(ConfigureMallocTest, LargeBlocksAreNotMmapped) {
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
