// Publishing by rename, crashed at every step: simclrd is started with
// SIMCLR_FAULT_POINT naming one step of a dataset, model or job-spec
// publish (core/common/durable_publish.h), dies there mid-call as a crash
// would, and is restarted: the object is wholly there or not at all, with
// no folder, record or temporary file left half visible, and the same
// upload then succeeds.
#include <cstdlib>
#include <filesystem>
#include <string>

#include "absl/strings/str_cat.h"
#include "client/model_client.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/e2e/principals.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/subprocess.h"

namespace simclr {
namespace {

using ::simclr::testing::ChannelAs;
using ::simclr::testing::ExpectCleanStop;
using ::simclr::testing::IsOk;
using ::simclr::testing::SimclrdProcess;
using ::simclr::testing::TestWorkDir;
namespace fs = std::filesystem;

// Entries of `dir` other than ".incoming" (and what it holds).
std::vector<std::string> Published(const std::string& dir) {
  std::vector<std::string> names;
  std::error_code error;
  for (const auto& entry : fs::directory_iterator(dir, error)) {
    const std::string name = entry.path().filename().string();
    if (name != ".incoming") names.push_back(name);
  }
  return names;
}

bool IncomingEmpty(const std::string& dir) {
  std::error_code error;
  return !fs::exists(dir + "/.incoming") || fs::is_empty(dir + "/.incoming", error);
}

// simclrd armed with `point`: `call` must kill it there (exit code 86).
template <typename Call>
void CrashAt(const std::string& dir, const std::string& point, Call call) {
  setenv("SIMCLR_FAULT_POINT", point.c_str(), 1);
  auto server = SimclrdProcess::Start(dir, {"--worker_threads=1"});
  unsetenv("SIMCLR_FAULT_POINT");
  ASSERT_THAT(server, IsOk());
  EXPECT_FALSE(call(*server).ok()) << point;
  auto exit = server->process().Wait(absl::Seconds(60));
  ASSERT_THAT(exit, IsOk());
  EXPECT_EQ(exit->exit_code, 86) << point << "\n" << server->log();
}

TEST(DurablePublishTest, ADatasetCrashedAtEveryStepIsWhollyThereOrAbsent) {
  for (const std::string point : {"dataset:synced", "dataset:renamed", "dataset:published"}) {
    const std::string dir = TestWorkDir();
    CrashAt(dir, point, [&](const SimclrdProcess& server) {
      return testing::UploadSmallDataset(server, "", dir).status();
    });
    auto restarted = SimclrdProcess::Start(dir);
    ASSERT_THAT(restarted, IsOk());
    auto listed = client::DatasetClient(ChannelAs(*restarted, ""), absl::Seconds(30)).List();
    ASSERT_THAT(listed, IsOk());
    EXPECT_TRUE(listed->empty()) << point;
    EXPECT_THAT(Published(dir + "/data/datasets"), ::testing::IsEmpty()) << point;
    EXPECT_TRUE(IncomingEmpty(dir + "/data/datasets")) << point;
    EXPECT_THAT(testing::UploadSmallDataset(*restarted, "", dir), IsOk()) << point;
    EXPECT_EQ(Published(dir + "/data/datasets").size(), 1u);
    ExpectCleanStop(*restarted);
  }
}

TEST(DurablePublishTest, AModelCrashedAtEveryStepIsWhollyThereOrAbsent) {
  const std::string scratch = TestWorkDir();
  const std::string module = scratch + "/tiny.pt";
  auto made = testing::RunProcess(
      {"/usr/bin/python3", "-c",
       "import sys, torch; torch.jit.save(torch.jit.script(torch.nn.Sequential("
       "torch.nn.Conv2d(1, 4, 3), torch.nn.AdaptiveAvgPool2d(1), torch.nn.Flatten())), "
       "sys.argv[1])",
       module},
      absl::Seconds(120));
  ASSERT_THAT(made, IsOk());
  ASSERT_EQ(made->exit_code, 0) << made->stderr_text;
  for (const std::string point : {"model:synced", "model:renamed", "model:published"}) {
    const std::string dir = scratch + "/" + point.substr(point.find(':') + 1);
    auto upload = [&](const SimclrdProcess& server) {
      return client::ModelClient(ChannelAs(server, ""), absl::Seconds(60))
          .Upload("tiny", module, 1, 28)
          .status();
    };
    CrashAt(dir, point, upload);
    auto restarted = SimclrdProcess::Start(dir);
    ASSERT_THAT(restarted, IsOk());
    auto listed = client::ModelClient(ChannelAs(*restarted, ""), absl::Seconds(30)).List();
    ASSERT_THAT(listed, IsOk());
    EXPECT_TRUE(listed->empty()) << point;
    EXPECT_THAT(Published(dir + "/data/models"), ::testing::IsEmpty()) << point;
    EXPECT_TRUE(IncomingEmpty(dir + "/data/models")) << point;
    EXPECT_THAT(upload(*restarted), IsOk()) << point;
    ExpectCleanStop(*restarted);
  }
}

TEST(DurablePublishTest, ASubmitCrashedWhileWritingItsSpecLeavesNoJob) {
  for (const std::string point : {"spec:synced", "spec:renamed"}) {
    const std::string dir = TestWorkDir();
    const std::string images = testing::WriteSmallIdx(dir, 8);
    auto spec = core::ParseJobSpecJson(
        absl::StrCat(R"({"pretrain": {"data": {"train": {"local": {"format": "DATASET_FORMAT_IDX",
            "path": ")", images, R"("}}},
            "encoder": {"builtin": {"arch": "ARCHITECTURE_SMALL_CNN"}}}})"),
        "test");
    ASSERT_THAT(spec, IsOk());
    CrashAt(dir, point, [&](const SimclrdProcess& server) {
      return client::JobClient(ChannelAs(server, ""), absl::Seconds(30)).Submit(*spec).status();
    });
    auto restarted = SimclrdProcess::Start(dir);
    ASSERT_THAT(restarted, IsOk());
    auto listed = client::JobClient(ChannelAs(*restarted, ""), absl::Seconds(30)).List();
    ASSERT_THAT(listed, IsOk());
    EXPECT_TRUE(listed->empty()) << point;
    EXPECT_THAT(Published(dir + "/data/jobs"), ::testing::IsEmpty()) << point;
    ExpectCleanStop(*restarted);
  }
}

}  // namespace
}  // namespace simclr
