#include "server/datasets/idx_import.h"

#include <fstream>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

namespace simclr::server {
namespace {

using ::simclr::testing::IsOk;
using ::simclr::testing::StatusIs;
using ::testing::HasSubstr;

std::string BigEndian(uint32_t value) {
  return {static_cast<char>(value >> 24), static_cast<char>(value >> 16),
          static_cast<char>(value >> 8), static_cast<char>(value)};
}

std::string Write(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary) << bytes;
  return path;
}

TEST(IdxImportTest, SidesPastTwoToThe31AreRefusedNotOverflowed) {
  // fuzz_idx_import's first crash: sides 0x92929292 became negative int32s,
  // passed the pixel limit, and their product overflowed (UBSan).
  testing::TempDir dir;
  const std::string images = Write(
      dir.path() + "/images",
      BigEndian(0x803) + BigEndian(0x27282992) + BigEndian(0x92929292) +
          BigEndian(0x92929292) + std::string(64, '\x7d'));
  EXPECT_THAT(ImportIdx(images, "", dir.path(), 1 << 20),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("2459079314x2459079314 images exceed --max_image_pixels")));
  // One side within the limit, the other past it.
  Write(images, BigEndian(0x803) + BigEndian(1) + BigEndian(1) + BigEndian(0xFFFFFFFF));
  EXPECT_THAT(ImportIdx(images, "", dir.path(), 1 << 20),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("exceed")));
}

TEST(IdxImportTest, AWellFormedPairImports) {
  testing::TempDir dir;
  const std::string images =
      Write(dir.path() + "/images", BigEndian(0x803) + BigEndian(2) + BigEndian(2) +
                                        BigEndian(3) + std::string(12, '\x10'));
  const std::string labels =
      Write(dir.path() + "/labels", BigEndian(0x801) + BigEndian(2) + std::string("\x00\x02", 2));
  auto imported = ImportIdx(images, labels, dir.path(), 1 << 20);
  ASSERT_THAT(imported, IsOk());
  EXPECT_EQ(imported->images, 2);
  EXPECT_EQ(imported->height, 2);
  EXPECT_EQ(imported->width, 3);
  EXPECT_EQ(imported->class_counts.size(), 3u);
}

}  // namespace
}  // namespace simclr::server
