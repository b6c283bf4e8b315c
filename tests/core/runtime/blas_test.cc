// The install must select BLIS as libblas.so.3 (STACK.md pitfalls 1 and 2):
// OpenBLAS breaks the metrics endpoint in torch processes and Netlib's
// reference BLAS is ~25x slower. This checks what this process really
// loaded, not what apt says.
#include <unistd.h>

#include <fstream>
#include <string>

#include "core/common/blis_kernels.h"
#include "gtest/gtest.h"
#include "tests/testing/scoped_env.h"
#include "tests/testing/subprocess.h"
#include "torch/torch.h"

namespace simclr::core {
namespace {

std::string LoadedBlasLibraries() {
  std::ifstream maps("/proc/self/maps");
  std::string line, found;
  while (std::getline(maps, line)) {
    if (line.find("blas") != std::string::npos ||
        line.find("blis") != std::string::npos) {
      found += line.substr(
                   line.find('/') == std::string::npos ? 0 : line.find('/')) +
               "\n";
    }
  }
  return found;
}

TEST(BlasSelectionTest, LibTorchGemmRunsOnBlis) {
  // A float GEMM big enough to go to BLAS.
  const auto product = torch::mm(torch::ones({64, 64}), torch::ones({64, 64}));
  EXPECT_FLOAT_EQ(product[0][0].item<float>(), 64.0f);
  const std::string libraries = LoadedBlasLibraries();
  EXPECT_NE(libraries.find("blis"), std::string::npos)
      << "libblas.so.3 is not BLIS; run scripts/install_deps.sh. Loaded:\n"
      << libraries;
  EXPECT_EQ(libraries.find("openblas"), std::string::npos) << libraries;
}

// BLIS picks its kernels at its first call and, on a CPU newer than its
// tables, silently takes the portable C ones (2.7x slower here). A fresh
// process of this binary, set up like every main() (test_main calls
// ChooseBlisKernels()), runs the GEMM above with BLIS_ARCH_DEBUG=1, which
// makes BLIS print its choice.
TEST(BlasSelectionTest, GemmRunsOnOptimisedKernelsWhereTheCpuHasThem) {
  const CpuIdentity cpu = ReadCpuIdentity();
  if (!cpu.avx2_fma) GTEST_SKIP() << "no AVX2/FMA: generic is all BLIS has";
  char self[4096] = {};
  ASSERT_GT(readlink("/proc/self/exe", self, sizeof self - 1), 0);
  absl::StatusOr<simclr::testing::ProcessResult> child;
  {
    // The child chooses for itself, and says what BLIS chose.
    const simclr::testing::ScopedEnv unset("BLIS_ARCH_TYPE", std::nullopt);
    const simclr::testing::ScopedEnv debug("BLIS_ARCH_DEBUG", "1");
    child = simclr::testing::RunProcess(
        {self, "--gtest_filter=BlasSelectionTest.LibTorchGemmRunsOnBlis"},
        absl::Seconds(60));
  }
  ASSERT_TRUE(child.ok()) << child.status();
  ASSERT_EQ(child->exit_code, 0) << child->stdout_text << child->stderr_text;
  const std::string said = child->stdout_text + child->stderr_text;
  const std::string marker = "selecting sub-configuration '";
  const auto at = said.find(marker);
  ASSERT_NE(at, std::string::npos) << "BLIS said nothing:\n" << said;
  const std::string chosen =
      said.substr(at + marker.size(),
                  said.find('\'', at + marker.size()) - at - marker.size());
  EXPECT_NE(chosen, "generic")
      << "BLIS runs its portable C kernels on a CPU with AVX2/FMA (family "
      << cpu.family << "); extend BlisArchTypeFor()";
}

}  // namespace
}  // namespace simclr::core
