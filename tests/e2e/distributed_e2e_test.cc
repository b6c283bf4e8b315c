// A pretraining job with num_ranks 2 through the real simclrd on two CPU
// slots (--devices cpu:2): two simclr-worker ranks on loopback Gloo, rank
// 0's events as the job's, the checkpoint downloaded and checked in real
// PyTorch against the worker's own features.
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/e2e/encoder_check.h"
#include "tests/e2e/simclrd_process.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/subprocess.h"

namespace simclr {
namespace {

using ::simclr::testing::ExpectCleanStop;
using ::simclr::testing::IsOk;
using ::simclr::testing::RunSimclrctl;
using ::simclr::testing::SimclrdProcess;
using ::simclr::testing::TestWorkDir;
using ::testing::HasSubstr;

constexpr char kImages[] = "/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz";

std::string TwoRankSpec() {
  return absl::StrCat(R"({"display_name": "two ranks", "seed": 4, "num_ranks": 2,
    "pretrain": {
    "data": {"train": {"local": {"format": "DATASET_FORMAT_IDX", "path": ")",
                      kImages, R"(",
      "labels_path": "/usr/share/datasets/fashion-mnist/t10k-labels-idx1-ubyte.gz"}},
      "max_examples": 320, "val_fraction": 0.2, "loader_threads": 1},
    "encoder": {"builtin": {"arch": "ARCHITECTURE_SMALL_CNN", "width_multiplier": 0.5}},
    "batch_size": 16, "epochs": 2, "sync_batch_norm": true,
    "monitor": {"log_every_steps": 4, "knn_every_epochs": 1}}})");
}

TEST(DistributedE2eTest, ATwoRankJobSucceedsAndItsCheckpointLoadsInPyTorch) {
  const std::string work = TestWorkDir();
  auto server = SimclrdProcess::Start(
      work, {"--devices=cpu:2"});
  ASSERT_THAT(server, IsOk());
  const std::string spec = work + "/two_ranks.json";
  std::ofstream(spec) << TwoRankSpec();
  const auto watched = RunSimclrctl(*server, {"jobs", "submit", "-f", spec, "--watch"},
                                    absl::Seconds(240));
  ASSERT_EQ(watched.exit_code, 0) << watched.stdout_text << watched.stderr_text
                                  << server->log();
  EXPECT_THAT(watched.stdout_text, HasSubstr("2 ranks"));
  EXPECT_THAT(watched.stdout_text, HasSubstr("× 2 ranks (gloo), 32 images per global batch"));
  // 254 training images in global batches of 32: 7 steps an epoch.
  EXPECT_THAT(watched.stdout_text, HasSubstr("epoch 1 step 14/14"));
  EXPECT_THAT(watched.stdout_text, HasSubstr("SUCCEEDED"));

  const auto listed = RunSimclrctl(*server, {"--json", "checkpoints", "list"});
  ASSERT_EQ(listed.exit_code, 0) << listed.stderr_text;
  const auto at = listed.stdout_text.find("\"ckpt-");
  ASSERT_NE(at, std::string::npos) << listed.stdout_text;
  const std::string id =
      listed.stdout_text.substr(at + 1, listed.stdout_text.find('"', at + 1) - at - 1);
  const std::string local = work + "/downloaded";
  std::filesystem::create_directories(local);
  for (const char* file : {"encoder.pt", "meta.json"}) {
    const auto cli = RunSimclrctl(
        *server, {"checkpoints", "download", id, "--file", file, "-o", local + "/" + file});
    ASSERT_EQ(cli.exit_code, 0) << cli.stderr_text;
  }
  // The worker's features from the downloaded encoder, then PyTorch's.
  testing::ExpectPyTorchGivesTheWorkersFeatures(local, local, spec, kImages, work);
  ExpectCleanStop(*server);
}

}  // namespace
}  // namespace simclr
