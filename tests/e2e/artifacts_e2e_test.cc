// Job artifacts through the real binaries: a linear evaluation's report
// files listed (name, kind, size, SHA-256, media type) and downloaded by
// simclrctl, resumed from a .part, owner checked like the job, and no name
// outside the listing (a path out of the run folder, the job's spec, a
// planted symlink) ever reaches a file.
#include <filesystem>
#include <fstream>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "core/common/sha256.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/e2e/principals.h"
#include "tests/testing/status_matchers.h"

namespace simclr {
namespace {

using ::simclr::testing::ChannelAs;
using ::simclr::testing::ExpectCleanStop;
using ::simclr::testing::IsOk;
using ::simclr::testing::SimclrdProcess;
using ::simclr::testing::StatusIs;
using ::simclr::testing::TestWorkDir;
using ::testing::HasSubstr;
namespace fs = std::filesystem;

TEST(ArtifactsTest, AReportIsListedDownloadedResumedAndOwnerChecked) {
  const std::string dir = TestWorkDir();
  auto server = SimclrdProcess::Start(
      dir, {"--auth_tokens_file=" + testing::WriteTokensFile(dir), "--worker_threads=1"});
  ASSERT_THAT(server, IsOk());
  auto dataset = testing::UploadSmallDataset(*server, "alice", dir);
  ASSERT_THAT(dataset, IsOk());
  auto trained = testing::RunToEnd(*server, "alice", testing::ShortPretrain(dataset->id()));
  ASSERT_THAT(trained, IsOk());
  auto spec = core::ParseJobSpecJson(
      absl::StrCat(R"({"num_threads": 1, "linear_eval": {"data": {"train": {"dataset_id": ")",
                   dataset->id(), R"("}, "val_fraction": 0.25}, "subjects": [{"checkpoint_id": ")",
                   trained->latest_checkpoint_id(),
                   R"("}], "protocol": {"label_fractions": [1.0], "repeats": 1}}})"),
      "test");
  ASSERT_THAT(spec, IsOk());
  auto evaluated = testing::RunToEnd(*server, "alice", *spec);
  ASSERT_THAT(evaluated, IsOk());
  ASSERT_EQ(evaluated->state(), v1::JOB_STATE_SUCCEEDED) << evaluated->error();
  const std::string job = evaluated->id();
  const std::string run = dir + "/data/jobs/" + job + "/run";
  // A symlink out of the run folder, planted where artifacts live.
  fs::create_directories(run + "/artifacts");
  fs::create_symlink(dir + "/tokens", run + "/artifacts/leak.txt");

  client::JobClient alice(ChannelAs(*server, "alice"), absl::Seconds(30));
  auto listed = alice.ListArtifacts(job);
  ASSERT_THAT(listed, IsOk());
  std::map<std::string, v1::ArtifactFile> by_name;
  for (const auto& artifact : *listed) by_name[artifact.name()] = artifact;
  ASSERT_TRUE(by_name.count("report.json"));
  ASSERT_TRUE(by_name.count("report.md"));
  EXPECT_FALSE(by_name.count("artifacts/leak.txt"));
  EXPECT_EQ(by_name["report.json"].kind(), "report");
  EXPECT_EQ(by_name["report.json"].media_type(), "application/json");
  EXPECT_EQ(by_name["report.md"].media_type(), "text/markdown");
  EXPECT_EQ(by_name["report.json"].size_bytes(),
            static_cast<int64_t>(fs::file_size(run + "/report.json")));
  EXPECT_EQ(by_name["report.json"].sha256(), *core::Sha256OfFile(run + "/report.json"));

  // simclrctl downloads them all; each matches the server's file.
  const auto downloaded = testing::RunSimclrctl(
      *server, {"--token=" + testing::Tokens().at("alice"), "artifacts", "download", job, "-o",
                dir + "/got"});
  ASSERT_EQ(downloaded.exit_code, 0) << downloaded.stderr_text;
  for (const auto& [name, artifact] : by_name) {
    EXPECT_EQ(*core::Sha256OfFile(dir + "/got/" + name), artifact.sha256()) << name;
  }
  // An interrupted download resumes from its .part.
  const std::string part = dir + "/resumed.json.part";
  std::ofstream(part) << std::ifstream(run + "/report.json").rdbuf();
  fs::resize_file(part, fs::file_size(part) / 2);
  auto resumed = alice.DownloadArtifact(job, "report.json", dir + "/resumed.json");
  ASSERT_THAT(resumed, IsOk());
  EXPECT_EQ(*resumed, by_name["report.json"].sha256());

  // Nothing outside the listing, whatever the name says.
  for (const std::string name : {"../spec.json", "spec.json", "artifacts/leak.txt",
                                 "report.json/../../spec.json", "/etc/passwd", ""}) {
    EXPECT_THAT(alice.DownloadArtifact(job, name, dir + "/x"),
                StatusIs(absl::StatusCode::kNotFound, HasSubstr("has no artifact")))
        << name;
  }
  // Another user: as for an unknown job.
  client::JobClient bob(ChannelAs(*server, "bob"), absl::Seconds(30));
  const std::string unknown = "job-" + std::string(job.size() - 4, '0');
  const auto other = bob.ListArtifacts(job).status(), missing = bob.ListArtifacts(unknown).status();
  EXPECT_EQ(other.code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(other.message(), absl::StrReplaceAll(missing.message(), {{unknown, job}}));
  EXPECT_EQ(bob.DownloadArtifact(job, "report.json", dir + "/y").status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(client::JobClient(ChannelAs(*server, ""), absl::Seconds(30)).ListArtifacts(job)
                .status().code(),
            absl::StatusCode::kUnauthenticated);
  ExpectCleanStop(*server);
}

}  // namespace
}  // namespace simclr
