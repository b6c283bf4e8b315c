// The main() of every test binary: the same process setup as the real
// binaries (malloc settings, BLIS kernels, logging to stderr), then
// GoogleTest.
#include "core/common/blis_kernels.h"
#include "core/common/process_setup.h"
#include "gtest/gtest.h"

int main(int argc, char** argv) {
  simclr::core::ConfigureMalloc();
  simclr::core::ChooseBlisKernels();
  testing::InitGoogleTest(&argc, argv);
  simclr::core::InitLogging(argv[0]);
  return RUN_ALL_TESTS();
}
