// The real simclr-worker binary on job files.
#include <cstdlib>
#include <fstream>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/e2e/simclrd_process.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/subprocess.h"

namespace simclr {
namespace {

using ::simclr::testing::IsOk;
using ::simclr::testing::RunProcess;
using ::simclr::testing::TestWorkDir;
using ::testing::HasSubstr;

std::string ExampleJob(const std::string& name) {
  return std::string(std::getenv("SIMCLR_SOURCE_DIR")) + "/examples/jobs/" +
         name;
}

TEST(SimclrWorkerTest, ValidatePrintsTheCanonicalSpec) {
  auto result = RunProcess({SIMCLR_WORKER_PATH, "validate", "--spec",
                            ExampleJob("fashion_mnist_pretrain.json")},
                           absl::Seconds(30));
  ASSERT_THAT(result, IsOk());
  EXPECT_EQ(result->exit_code, 0) << result->stderr_text;
  EXPECT_THAT(result->stdout_text, HasSubstr("\"pretrain\""));
  EXPECT_THAT(result->stdout_text, HasSubstr("train-images-idx3-ubyte.gz"));
}

TEST(SimclrWorkerTest, MalformedSpecFailsNamingTheFile) {
  const std::string path = TestWorkDir() + "/bad.json";
  std::ofstream(path) << R"({"pretrain": {"batch_size": "many"}})";
  auto result = RunProcess({SIMCLR_WORKER_PATH, "validate", "--spec", path},
                           absl::Seconds(30));
  ASSERT_THAT(result, IsOk());
  EXPECT_EQ(result->exit_code, 1);
  EXPECT_THAT(result->stderr_text, HasSubstr(path));
}

TEST(SimclrWorkerTest, SpecWithoutAKindFails) {
  const std::string path = TestWorkDir() + "/empty.json";
  std::ofstream(path) << R"({"display_name": "nothing to do"})";
  auto result = RunProcess({SIMCLR_WORKER_PATH, "validate", "--spec", path},
                           absl::Seconds(30));
  ASSERT_THAT(result, IsOk());
  EXPECT_EQ(result->exit_code, 1);
  EXPECT_THAT(result->stderr_text, HasSubstr("no job kind"));
}

TEST(SimclrWorkerTest, MissingSpecFlagIsUsageError) {
  auto result = RunProcess({SIMCLR_WORKER_PATH, "validate"}, absl::Seconds(30));
  ASSERT_THAT(result, IsOk());
  EXPECT_EQ(result->exit_code, 2);
  EXPECT_THAT(result->stderr_text, HasSubstr("--spec"));
}

}  // namespace
}  // namespace simclr
