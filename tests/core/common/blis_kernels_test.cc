#include "core/common/blis_kernels.h"

#include <cstdlib>
#include <fstream>
#include <string>

#include "gtest/gtest.h"
#include "tests/testing/scoped_env.h"

namespace simclr::core {
namespace {

CpuIdentity Amd(int family, bool avx2_fma, bool avx512) {
  return {.amd = true, .family = family, .avx2_fma = avx2_fma,
          .avx512 = avx512};
}

TEST(BlisArchTypeForTest, NewerAmdFamiliesGetTheKernelsTheirIsaRuns) {
  EXPECT_EQ(BlisArchTypeFor(Amd(0x1A, true, true)), "0");   // Zen 5: skx
  EXPECT_EQ(BlisArchTypeFor(Amd(0x1A, true, false)), "3");  // haswell
  EXPECT_EQ(BlisArchTypeFor(Amd(0x1B, true, true)), "0");
}

TEST(BlisArchTypeForTest, CpusBlisKnowsAreLeftToBlis) {
  EXPECT_EQ(BlisArchTypeFor(Amd(0x19, true, true)), std::nullopt);
  EXPECT_EQ(BlisArchTypeFor(Amd(0x17, true, false)), std::nullopt);
  EXPECT_EQ(BlisArchTypeFor({.amd = false, .family = 6, .avx2_fma = true,
                             .avx512 = true}),
            std::nullopt);
}

TEST(BlisArchTypeForTest, WithoutAvx2NothingBeatsGeneric) {
  EXPECT_EQ(BlisArchTypeFor(Amd(0x1A, false, false)), std::nullopt);
}

TEST(ReadCpuIdentityTest, AgreesWithTheKernel) {
  const CpuIdentity cpu = ReadCpuIdentity();
  // The first processor's block, up to and including its flags line.
  std::ifstream file("/proc/cpuinfo");
  std::string cpuinfo, line;
  while (std::getline(file, line)) {
    cpuinfo += line + " \n";
    if (line.rfind("flags", 0) == 0) break;
  }
  if (cpuinfo.empty()) GTEST_SKIP() << "no /proc/cpuinfo";
  EXPECT_EQ(cpu.amd, cpuinfo.find("AuthenticAMD") != std::string::npos);
  const auto family_at = cpuinfo.find("cpu family");
  ASSERT_NE(family_at, std::string::npos);
  EXPECT_EQ(cpu.family,
            std::atoi(cpuinfo.c_str() + cpuinfo.find(':', family_at) + 1));
  EXPECT_EQ(cpu.avx2_fma, cpuinfo.find(" avx2 ") != std::string::npos &&
                              cpuinfo.find(" fma ") != std::string::npos);
}

TEST(ChooseBlisKernelsTest, TheUsersChoiceWins) {
  const simclr::testing::ScopedEnv users("BLIS_ARCH_TYPE", "5");
  EXPECT_EQ(ChooseBlisKernels(), "");
  EXPECT_STREQ(std::getenv("BLIS_ARCH_TYPE"), "5");
}

TEST(ChooseBlisKernelsTest, SetsWhatTheRuleSaysForThisCpu) {
  const simclr::testing::ScopedEnv unset("BLIS_ARCH_TYPE", std::nullopt);
  const std::string said = ChooseBlisKernels();
  const std::optional<std::string> rule = BlisArchTypeFor(ReadCpuIdentity());
  const char* now = std::getenv("BLIS_ARCH_TYPE");
  if (rule.has_value()) {
    ASSERT_NE(now, nullptr);
    EXPECT_EQ(std::string(now), *rule);
    EXPECT_NE(said.find("BLIS_ARCH_TYPE=" + *rule), std::string::npos) << said;
  } else {
    EXPECT_EQ(now, nullptr);
    EXPECT_EQ(said, "");
  }
}

}  // namespace
}  // namespace simclr::core
