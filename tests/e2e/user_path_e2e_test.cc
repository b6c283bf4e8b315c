// Issue 5's user path, with nothing but the real binaries: simclrctl
// uploads Fashion-MNIST, submits a pretraining job on it and watches it to
// the end, downloads encoder.pt and meta.json, and /usr/bin/python3's
// torch.jit.load gives the worker's features. Then kill -9 of simclrd: the
// restarted server still has the dataset and the checkpoints, and serves
// the same bytes.
#include <signal.h>

#include <fstream>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "core/common/sha256.h"
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
using ::simclr::testing::SimclrdProcess;
using ::simclr::testing::TestWorkDir;
using ::testing::HasSubstr;

constexpr char kDir[] = "/usr/share/datasets/fashion-mnist/";

// The value of "key":"…" in a line of protobuf JSON.
std::string JsonField(const std::string& json, const std::string& key) {
  const std::string marker = "\"" + key + "\":\"";
  const auto at = json.find(marker);
  if (at == std::string::npos) return "";
  const auto start = at + marker.size();
  return json.substr(start, json.find('"', start) - start);
}

testing::ProcessResult Ctl(const SimclrdProcess& server, std::vector<std::string> args) {
  return testing::RunSimclrctl(server, args, absl::Seconds(180));
}

TEST(UserPathTest, UploadTrainWatchDownloadLoadInPyTorchAndSurviveKillDashNine) {
  const std::string dir = TestWorkDir();
  auto server = SimclrdProcess::Start(dir, {"--worker_threads=1"});
  ASSERT_THAT(server, IsOk());

  const auto uploaded = Ctl(*server, {"--json", "datasets", "upload", "--name", "fmnist test",
                                      "--images", absl::StrCat(kDir, "t10k-images-idx3-ubyte.gz"),
                                      "--labels", absl::StrCat(kDir, "t10k-labels-idx1-ubyte.gz")});
  ASSERT_EQ(uploaded.exit_code, 0) << uploaded.stderr_text;
  const std::string dataset = JsonField(uploaded.stdout_text, "id");
  ASSERT_FALSE(dataset.empty()) << uploaded.stdout_text;

  const std::string spec = dir + "/spec.json";
  std::ofstream(spec) << absl::StrCat(R"({"seed": 5, "num_threads": 1, "pretrain": {
    "data": {"train": {"dataset_id": ")", dataset, R"("}, "max_examples": 320,
             "val_fraction": 0.2},
    "encoder": {"builtin": {"arch": "ARCHITECTURE_SMALL_CNN", "width_multiplier": 0.5}},
    "batch_size": 32, "epochs": 2,
    "monitor": {"log_every_steps": 4, "knn_every_epochs": 0}}})");
  const auto watched = Ctl(*server, {"jobs", "submit", "-f", spec, "--watch"});
  ASSERT_EQ(watched.exit_code, 0) << watched.stdout_text << watched.stderr_text;
  EXPECT_THAT(watched.stdout_text, HasSubstr("loss"));
  EXPECT_THAT(watched.stdout_text, HasSubstr("SUCCEEDED"));

  const auto listed = Ctl(*server, {"--json", "checkpoints", "list"});
  ASSERT_EQ(listed.exit_code, 0);
  const std::string checkpoint = JsonField(listed.stdout_text, "id");  // newest
  const std::string job = JsonField(listed.stdout_text, "job_id");
  ASSERT_FALSE(checkpoint.empty()) << listed.stdout_text;
  const std::string local = dir + "/downloaded";
  std::filesystem::create_directories(local);
  for (const char* file : {"encoder.pt", "meta.json"}) {
    const auto got = Ctl(*server, {"checkpoints", "download", checkpoint, "--file", file,
                                   "-o", local + "/" + file});
    ASSERT_EQ(got.exit_code, 0) << got.stderr_text;
  }
  const std::string server_copy =
      absl::StrCat(dir, "/data/jobs/", job, "/run/checkpoints/",
                   checkpoint.substr(checkpoint.rfind('-') + 1));
  testing::ExpectPyTorchGivesTheWorkersFeatures(
      server_copy, local, absl::StrCat(dir, "/data/jobs/", job, "/spec.json"),
      absl::StrCat(kDir, "t10k-images-idx3-ubyte.gz"), dir);

  // kill -9, restart on the same data dir: everything is still there.
  ASSERT_TRUE(server->process().Signal(SIGKILL));
  ASSERT_THAT(server->process().Wait(absl::Seconds(10)), IsOk());
  auto restarted = SimclrdProcess::Start(dir, {"--worker_threads=1"});
  ASSERT_THAT(restarted, IsOk());
  const auto got_dataset = Ctl(*restarted, {"datasets", "get", dataset});
  EXPECT_EQ(got_dataset.exit_code, 0) << got_dataset.stderr_text;
  EXPECT_THAT(got_dataset.stdout_text, HasSubstr("10000 images"));
  const auto job_after = Ctl(*restarted, {"jobs", "get", job});
  EXPECT_THAT(job_after.stdout_text, HasSubstr("SUCCEEDED"));
  const auto again = Ctl(*restarted, {"checkpoints", "download", checkpoint, "-o",
                                      dir + "/again.pt"});
  ASSERT_EQ(again.exit_code, 0) << again.stderr_text;
  EXPECT_EQ(*core::Sha256OfFile(dir + "/again.pt"),
            *core::Sha256OfFile(local + "/encoder.pt"));
  ExpectCleanStop(*restarted);
}

}  // namespace
}  // namespace simclr
