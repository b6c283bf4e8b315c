// What the server keeps, through the real binaries: per-principal quotas
// on active jobs and stored bytes, deletes refused while something live
// needs the object, and a deleted job still gone after a restart (with a
// folder a cut-short delete left removed at start).
#include <filesystem>
#include <set>
#include <string>

#include "absl/strings/str_cat.h"
#include "client/checkpoint_client.h"
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

client::JobClient Jobs(const SimclrdProcess& server, const std::string& who) {
  return client::JobClient(ChannelAs(server, who), absl::Seconds(60));
}

// Runs until cancelled: many epochs of a tiny encoder.
v1::JobSpec LongPretrain(const std::string& dataset_id) {
  return testing::ShortPretrain(dataset_id, /*epochs=*/500);
}

v1::JobSpec LinearEvalOf(const std::string& dataset_id, const std::string& checkpoint_id) {
  auto spec = core::ParseJobSpecJson(
      absl::StrCat(R"({"linear_eval": {"data": {"train": {"dataset_id": ")", dataset_id,
                   R"("}}, "subjects": [{"checkpoint_id": ")", checkpoint_id, R"("}]}})"),
      "test");
  EXPECT_THAT(spec, IsOk());
  return spec.value_or(v1::JobSpec());
}

TEST(LifecycleTest, QuotasBoundEachPrincipalOnItsOwn) {
  const std::string dir = TestWorkDir();
  auto server = SimclrdProcess::Start(
      dir, {"--auth_tokens_file=" + testing::WriteTokensFile(dir), "--max_concurrent_jobs=1",
            "--max_active_jobs_per_principal=2", "--max_stored_bytes_per_principal=80000",
            "--worker_threads=1"});
  ASSERT_THAT(server, IsOk());
  auto first = testing::UploadSmallDataset(*server, "alice", dir);
  ASSERT_THAT(first, IsOk());
  ASSERT_LT(first->stored_size_bytes(), 80000);
  EXPECT_THAT(testing::UploadSmallDataset(*server, "alice", dir),
              StatusIs(absl::StatusCode::kResourceExhausted,
                       HasSubstr("quota --max_stored_bytes_per_principal")));
  EXPECT_TRUE(std::filesystem::is_empty(dir + "/data/datasets/.incoming"));
  auto bobs = testing::UploadSmallDataset(*server, "bob", dir);
  ASSERT_THAT(bobs, IsOk());

  auto alice = Jobs(*server, "alice");
  auto running = alice.Submit(LongPretrain(first->id()));
  auto queued = alice.Submit(LongPretrain(first->id()));
  ASSERT_THAT(running, IsOk());
  ASSERT_THAT(queued, IsOk());
  EXPECT_THAT(alice.Submit(LongPretrain(first->id())),
              StatusIs(absl::StatusCode::kResourceExhausted,
                       HasSubstr("quota --max_active_jobs_per_principal: alice already has 2")));
  auto bob = Jobs(*server, "bob");
  auto bobs_job = bob.Submit(LongPretrain(bobs->id()));
  EXPECT_THAT(bobs_job, IsOk());
  // An ended job no longer counts.
  ASSERT_THAT(alice.Cancel(queued->id()), IsOk());
  EXPECT_THAT(alice.Submit(LongPretrain(first->id()), "", /*validate_only=*/true), IsOk());
  ExpectCleanStop(*server);
}

TEST(LifecycleTest, DeletesWaitForWhatIsLiveAndStayDoneAcrossARestart) {
  const std::string dir = TestWorkDir();
  const std::vector<std::string> flags = {"--auth_tokens_file=" + testing::WriteTokensFile(dir),
                                          "--max_concurrent_jobs=1", "--worker_threads=1"};
  auto server = SimclrdProcess::Start(dir, flags);
  ASSERT_THAT(server, IsOk());
  auto dataset = testing::UploadSmallDataset(*server, "alice", dir);
  ASSERT_THAT(dataset, IsOk());
  auto trained = testing::RunToEnd(*server, "alice", testing::ShortPretrain(dataset->id()));
  ASSERT_THAT(trained, IsOk());
  ASSERT_EQ(trained->state(), v1::JOB_STATE_SUCCEEDED) << trained->error();
  const std::string checkpoint = trained->latest_checkpoint_id();

  auto alice = Jobs(*server, "alice");
  auto running = alice.Submit(LongPretrain(dataset->id()));
  auto reader = alice.Submit(LinearEvalOf(dataset->id(), checkpoint));  // queued behind it
  ASSERT_THAT(running, IsOk());
  ASSERT_THAT(reader, IsOk());
  EXPECT_THAT(alice.Delete(running->id()),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("cancel it")));
  EXPECT_THAT(alice.Delete(reader->id()), StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT(alice.Delete(trained->id()),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("reads one of its")));
  client::CheckpointClient checkpoints(ChannelAs(*server, "alice"), absl::Seconds(30));
  EXPECT_THAT(checkpoints.Delete(checkpoint),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("read by a queued")));
  client::DatasetClient datasets(ChannelAs(*server, "alice"), absl::Seconds(30));
  EXPECT_THAT(datasets.Delete(dataset->id()), StatusIs(absl::StatusCode::kFailedPrecondition));
  ASSERT_THAT(alice.Cancel(reader->id()), IsOk());
  ASSERT_THAT(alice.Cancel(running->id()), IsOk());

  // Now free: simclrctl deletes them.
  auto ctl = [&](std::vector<std::string> args) {
    args.insert(args.begin(), "--token=" + testing::Tokens().at("alice"));
    return testing::RunSimclrctl(*server, args, absl::Seconds(60));
  };
  const auto removed = ctl({"checkpoints", "rm", checkpoint});
  EXPECT_EQ(removed.exit_code, 0) << removed.stderr_text;
  const auto listing = ctl({"jobs", "list", "--state", "cancelled", "--kind", "linear_eval"});
  EXPECT_THAT(listing.stdout_text, HasSubstr(reader->id()));
  EXPECT_THAT(listing.stdout_text, ::testing::Not(HasSubstr(running->id())));
  for (const std::string& id : {trained->id(), reader->id()}) {
    const auto rm = ctl({"jobs", "rm", id});
    EXPECT_EQ(rm.exit_code, 0) << rm.stderr_text;
  }
  EXPECT_FALSE(std::filesystem::exists(dir + "/data/jobs/" + trained->id()));

  // A folder whose record is gone (a delete cut short by a crash).
  ExpectCleanStop(*server);
  std::filesystem::create_directories(dir + "/data/jobs/job-abcdef012345/run");
  auto restarted = SimclrdProcess::Start(dir, flags);
  ASSERT_THAT(restarted, IsOk());
  auto again = Jobs(*restarted, "alice");
  EXPECT_EQ(again.Get(trained->id()).status().code(), absl::StatusCode::kNotFound);
  auto all = again.List();
  ASSERT_THAT(all, IsOk());
  ASSERT_EQ(all->size(), 1u);
  EXPECT_EQ((*all)[0].id(), running->id());
  EXPECT_FALSE(std::filesystem::exists(dir + "/data/jobs/job-abcdef012345"));
  EXPECT_TRUE(std::filesystem::exists(dir + "/data/jobs/" + running->id()));
  ExpectCleanStop(*restarted);
}

// Polls ListJobs until it holds exactly `ids` (any order), up to 20 s.
::testing::AssertionResult EventuallyListed(client::JobClient& jobs,
                                            std::set<std::string> ids) {
  std::set<std::string> listed;
  for (int i = 0; i < 200; ++i) {
    auto all = jobs.List();
    listed.clear();
    for (const auto& job : all.value_or(std::vector<v1::Job>{})) listed.insert(job.id());
    if (listed == ids) return ::testing::AssertionSuccess();
    absl::SleepFor(absl::Milliseconds(100));
  }
  return ::testing::AssertionFailure() << "listed " << listed.size() << " jobs, expected "
                                       << ids.size();
}

TEST(LifecycleTest, RetentionKeepsTheNewestEndedJobsAndWhatALiveJobReads) {
  const std::string dir = TestWorkDir();
  std::vector<std::string> flags = {"--retain_finished_jobs=2", "--max_concurrent_jobs=1",
                                    "--worker_threads=1"};
  auto server = SimclrdProcess::Start(dir, flags);
  ASSERT_THAT(server, IsOk());
  auto dataset = testing::UploadSmallDataset(*server, "", dir);
  ASSERT_THAT(dataset, IsOk());
  auto trained = testing::RunToEnd(*server, "", testing::ShortPretrain(dataset->id()));
  ASSERT_THAT(trained, IsOk());
  auto jobs = Jobs(*server, "");
  auto running = jobs.Submit(LongPretrain(dataset->id()));
  auto reader = jobs.Submit(LinearEvalOf(dataset->id(), trained->latest_checkpoint_id()));
  ASSERT_THAT(running, IsOk());
  ASSERT_THAT(reader, IsOk());
  std::vector<std::string> cancelled;
  for (int i = 0; i < 4; ++i) {
    auto job = jobs.Submit(LongPretrain(dataset->id()));
    ASSERT_THAT(job, IsOk());
    ASSERT_THAT(jobs.Cancel(job->id()), IsOk());
    cancelled.push_back(job->id());
  }
  // 5 ended, 2 kept: the oldest go, but not the one the queued reader needs.
  EXPECT_TRUE(EventuallyListed(jobs, {trained->id(), cancelled[3], running->id(), reader->id()}));
  for (int i = 0; i < 3; ++i) EXPECT_FALSE(std::filesystem::exists(dir + "/data/jobs/" + cancelled[i]));
  EXPECT_TRUE(std::filesystem::exists(dir + "/data/jobs/" + trained->id()));

  // Once the reader has ended nothing protects the trained job: the two
  // that ended last stay.
  ASSERT_THAT(jobs.Cancel(reader->id()), IsOk());
  ASSERT_THAT(jobs.Cancel(running->id()), IsOk());
  EXPECT_TRUE(EventuallyListed(jobs, {reader->id(), running->id()}));
  EXPECT_FALSE(std::filesystem::exists(dir + "/data/jobs/" + trained->id()));
  ExpectCleanStop(*server);

  // Across a restart, and by age: everything ended more than 1 s ago goes.
  auto restarted = SimclrdProcess::Start(dir, {"--retain_finished_jobs_for=1s"});
  ASSERT_THAT(restarted, IsOk());
  auto again = Jobs(*restarted, "");
  EXPECT_TRUE(EventuallyListed(again, {}));
  EXPECT_FALSE(std::filesystem::exists(dir + "/data/jobs/" + running->id()));
  ExpectCleanStop(*restarted);
}

}  // namespace
}  // namespace simclr
