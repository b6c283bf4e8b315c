#include "core/common/blis_kernels.h"

#include <cstdlib>
#include <fstream>
#include <string>

#include "gtest/gtest.h"
#include "tests/testing/scoped_env.h"
#include "tests/testing/subprocess.h"

namespace simclr::core {
namespace {

CpuIdentity Cpu(bool avx2_fma, bool avx512) {
  return {.amd = true, .family = 0x1A, .avx2_fma = avx2_fma, .avx512 = avx512};
}

TEST(BlisArchTypeForTest, GenericIsReplacedByWhatTheIsaRuns) {
  EXPECT_EQ(BlisArchTypeFor(Cpu(true, true), "generic"), "0");   // Zen 5: skx
  EXPECT_EQ(BlisArchTypeFor(Cpu(true, false), "generic"), "3");  // haswell
  EXPECT_EQ(BlisArchTypeFor(Cpu(false, false), "generic"), std::nullopt);
}

TEST(BlisArchTypeForTest, OptimisedChoicesAreLeftToBlis) {
  // haswell on an AVX-512 Xeon is kept on purpose (see the header).
  for (const char* choice : {"haswell", "skx", "zen3", "zen2", ""}) {
    EXPECT_EQ(BlisArchTypeFor(Cpu(true, true), choice), std::nullopt) << choice;
  }
}

// BLIS's own choice as a fresh process of BLIS prints it with
// BLIS_ARCH_DEBUG=1 (the same library, the first matrix product).
TEST(BlisOwnChoiceTest, AgreesWithWhatBlisSaysInAFreshProcess) {
  const std::string own = BlisOwnChoice();
  ASSERT_FALSE(own.empty()) << "libblis.so.4 did not load (libblis4-pthread installs it)";
  const simclr::testing::ScopedEnv unset("BLIS_ARCH_TYPE", std::nullopt);
  const simclr::testing::ScopedEnv debug("BLIS_ARCH_DEBUG", "1");
  auto child = simclr::testing::RunProcess(
      {"/usr/bin/python3", "-c",
       "import ctypes; b = ctypes.CDLL('libblas.so.3'); "
       "n = ctypes.c_int(2); x = (ctypes.c_float * 4)(); "
       "one = ctypes.c_float(1); b.sgemm_(b'N', b'N', ctypes.byref(n), ctypes.byref(n), "
       "ctypes.byref(n), ctypes.byref(one), x, ctypes.byref(n), x, ctypes.byref(n), "
       "ctypes.byref(one), x, ctypes.byref(n))"},
      absl::Seconds(60));
  ASSERT_TRUE(child.ok()) << child.status();
  ASSERT_EQ(child->exit_code, 0) << child->stderr_text;
  const std::string said = child->stdout_text + child->stderr_text;
  EXPECT_NE(said.find("sub-configuration '" + own + "'"), std::string::npos)
      << "we read '" << own << "'; BLIS said:\n" << said;
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
  EXPECT_EQ(cpu.avx512, cpuinfo.find(" avx512f ") != std::string::npos &&
                            cpuinfo.find(" avx512dq ") != std::string::npos &&
                            cpuinfo.find(" avx512bw ") != std::string::npos &&
                            cpuinfo.find(" avx512vl ") != std::string::npos);
}

TEST(ChooseBlisKernelsTest, TheUsersChoiceWins) {
  const simclr::testing::ScopedEnv users("BLIS_ARCH_TYPE", "5");
  EXPECT_EQ(ChooseBlisKernels(), "");
  EXPECT_STREQ(std::getenv("BLIS_ARCH_TYPE"), "5");
}

TEST(ChooseBlisKernelsTest, SetsWhatTheRuleSaysForThisCpu) {
  const simclr::testing::ScopedEnv unset("BLIS_ARCH_TYPE", std::nullopt);
  const std::string said = ChooseBlisKernels();
  const std::optional<std::string> rule = BlisArchTypeFor(ReadCpuIdentity(), BlisOwnChoice());
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
