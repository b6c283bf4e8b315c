// The install must select BLIS as libblas.so.3 (STACK.md pitfalls 1 and 2):
// OpenBLAS breaks the metrics endpoint in torch processes and Netlib's
// reference BLAS is ~25x slower. This checks what this process really
// loaded, not what apt says.
#include <fstream>
#include <string>

#include "gtest/gtest.h"
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

}  // namespace
}  // namespace simclr::core
