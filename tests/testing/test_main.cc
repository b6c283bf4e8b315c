// The main() of every test binary: the same process setup as the real
// binaries (malloc settings, BLIS kernels, logging to stderr), then
// GoogleTest, with the folders tests made removed at each test's end
// (SIMCLR_KEEP_TEST_DIRS=1 keeps them).
#include "core/common/blis_kernels.h"
#include "core/common/process_setup.h"
#include "gtest/gtest.h"
#include "tests/testing/test_dirs.h"

int main(int argc, char** argv) {
  simclr::core::ConfigureMalloc();
  simclr::core::ChooseBlisKernels();
  testing::InitGoogleTest(&argc, argv);
  // Folders tests made go when each test ends, also when it fails.
  testing::UnitTest::GetInstance()->listeners().Append(
      simclr::testing::NewTestDirRemover().release());
  simclr::core::InitLogging(argv[0]);
  return RUN_ALL_TESTS();
}
