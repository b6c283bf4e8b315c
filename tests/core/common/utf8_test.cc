#include "core/common/utf8.h"

#include <string>

#include "gtest/gtest.h"

namespace simclr::core {
namespace {

TEST(IsValidUtf8, AcceptsAsciiAndEveryEncodingLength) {
  EXPECT_TRUE(IsValidUtf8(""));
  EXPECT_TRUE(IsValidUtf8("cat"));
  EXPECT_TRUE(IsValidUtf8("é"));          // 2 bytes
  EXPECT_TRUE(IsValidUtf8("猫"));         // 3 bytes
  EXPECT_TRUE(IsValidUtf8("😺"));         // 4 bytes
  EXPECT_TRUE(IsValidUtf8("\xF4\x8F\xBF\xBF"));  // U+10FFFF
}

TEST(IsValidUtf8, RefusesMalformedSequences) {
  EXPECT_FALSE(IsValidUtf8("\xFF"));
  EXPECT_FALSE(IsValidUtf8("\x80"));              // a lone continuation
  EXPECT_FALSE(IsValidUtf8("\xC3"));              // truncated
  EXPECT_FALSE(IsValidUtf8("\xC0\xAF"));          // overlong '/'
  EXPECT_FALSE(IsValidUtf8("\xE0\x80\xAF"));      // overlong
  EXPECT_FALSE(IsValidUtf8("\xED\xA0\x80"));      // a surrogate
  EXPECT_FALSE(IsValidUtf8("\xF4\x90\x80\x80"));  // past U+10FFFF
  EXPECT_FALSE(IsValidUtf8("ok\xE7\x8C"));        // truncated at the end
  EXPECT_FALSE(IsValidUtf8(std::string("a\0\xFF", 3)));
}

TEST(SafeText, KeepsValidShortTextAsIs) {
  EXPECT_EQ(SafeText("class_a/猫.png"), "class_a/猫.png");
  const std::string exact(256, 'x');
  EXPECT_EQ(SafeText(exact, 256), exact);
}

TEST(SafeText, EscapesBytesThatAreNotUtf8) {
  const std::string safe = SafeText("a\xFF" "b\xC3");
  EXPECT_EQ(safe, "a\\xFFb\\xC3");
  EXPECT_TRUE(IsValidUtf8(safe));
}

TEST(SafeText, CutsLongTextAtACharacterBoundary) {
  std::string long_text;
  for (int i = 0; i < 100; ++i) long_text += "猫";  // 300 bytes
  const std::string safe = SafeText(long_text, 32);
  EXPECT_LE(safe.size(), 32u);
  EXPECT_TRUE(IsValidUtf8(safe));
  EXPECT_EQ(safe.substr(safe.size() - 3), "…");
  EXPECT_EQ(SafeText(std::string(1000, '\xFF'), 40).size() <= 40, true);
}

}  // namespace
}  // namespace simclr::core
