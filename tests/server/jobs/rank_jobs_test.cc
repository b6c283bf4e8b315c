// Jobs with several ranks in JobManager (fake workers): slots, queue order,
// the ranks' environment, group supervision.
#include <signal.h>

#include <algorithm>
#include <string>
#include <vector>

#include "core/common/job_spec_json.h"
#include "core/worker/worker_protocol.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/jobs/rank_group_worker.h"
#include "tests/server/jobs/job_manager_fixture.h"

namespace simclr::server {
namespace {

using ::simclr::testing::IsOk;
using ::simclr::testing::StatusIs;
using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

v1::JobSpec Spec(int ranks) {
  v1::JobSpec spec = TinyPretrainSpec();
  spec.set_num_ranks(ranks);
  return spec;
}

class RankJobsTest : public JobManagerFixture {
 protected:
  void SetUp() override { Open(4, "cpu:2"); }

  std::string Submit(int ranks) {
    auto job = manager_->Submit(Spec(ranks), "", false, who_);
    EXPECT_THAT(job, IsOk());
    return job.ok() ? job->id() : "";
  }
  // Waits a moment and says whether launch `n` has not happened.
  bool NoLaunchBeyond(size_t n) {
    absl::SleepFor(absl::Milliseconds(400));
    return launcher_->launches() == n;
  }
};

TEST_F(RankJobsTest, ATwoRankJobGetsTwoWorkersWithTheTorchrunEnvironment) {
  const std::string id = Submit(2);
  ASSERT_EQ(launcher_->AwaitLaunches(2), 2u);
  const v1::Job job = Await(id, v1::JOB_STATE_RUNNING);
  EXPECT_THAT(job.devices(), ElementsAre("cpu", "cpu"));
  for (size_t r = 0; r < 2; ++r) {
    EXPECT_EQ(launcher_->JobOf(r), id);
    EXPECT_EQ(launcher_->Flag(r, "--device"), "cpu");
    const auto env = launcher_->Env(r);
    EXPECT_THAT(env, Contains("RANK=" + std::to_string(r)));
    EXPECT_THAT(env, Contains("WORLD_SIZE=2"));
    EXPECT_THAT(env, Contains("MASTER_ADDR=127.0.0.1"));
  }
  EXPECT_EQ(launcher_->Env(0).back(), launcher_->Env(1).back());  // one MASTER_PORT
  launcher_->Exit(1, {core::kExitSucceeded, 0, ""});
  launcher_->Exit(0, {core::kExitSucceeded, 0, ""});
  EXPECT_TRUE(Await(id, v1::JOB_STATE_SUCCEEDED).devices().empty());
}

TEST_F(RankJobsTest, AJobWaitingForSlotsIsNotOvertaken) {
  const std::string first = Submit(1);
  ASSERT_EQ(launcher_->AwaitLaunches(1), 1u);
  const std::string pair = Submit(2), single = Submit(1);
  // One slot is free: enough for `single`, but `pair` is ahead of it.
  EXPECT_TRUE(NoLaunchBeyond(1));
  launcher_->Exit(0, {core::kExitSucceeded, 0, ""});
  ASSERT_EQ(launcher_->AwaitLaunches(3), 3u);
  EXPECT_EQ(launcher_->JobOf(1), pair);
  EXPECT_EQ(launcher_->JobOf(2), pair);
  EXPECT_TRUE(NoLaunchBeyond(3));  // both slots held by `pair`
  launcher_->Exit(1, {core::kExitSucceeded, 0, ""});
  launcher_->Exit(2, {core::kExitSucceeded, 0, ""});
  ASSERT_EQ(launcher_->AwaitLaunches(4), 4u);
  EXPECT_EQ(launcher_->JobOf(3), single);
}

TEST_F(RankJobsTest, MoreRanksThanSlotsIsRefusedNamingNumRanks) {
  auto job = manager_->Submit(Spec(3), "", false, who_);
  EXPECT_THAT(job, StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(std::string(job.status().message()),
              HasSubstr("spec.num_ranks: 3 ranks need as many slots, but this server has 2"));
}

TEST_F(RankJobsTest, ADeadRankStopsTheOthersAndTheJobRestarts) {
  const std::string id = Submit(2);
  ASSERT_EQ(launcher_->AwaitLaunches(2), 2u);
  Await(id, v1::JOB_STATE_RUNNING);
  launcher_->Exit(1, {0, SIGKILL, ""});
  // Rank 0 is asked to stop (the fake answers SIGTERM with a stop).
  ASSERT_EQ(launcher_->AwaitLaunches(4), 4u);
  EXPECT_THAT(launcher_->Signals(0), Contains(SIGTERM));
  EXPECT_EQ(launcher_->Command(2), "resume");
  EXPECT_EQ(launcher_->Command(3), "resume");
  EXPECT_EQ(manager_->Get(id, who_)->restart_count(), 1);
}

TEST_F(RankJobsTest, CancelReachesEveryRank) {
  const std::string id = Submit(2);
  ASSERT_EQ(launcher_->AwaitLaunches(2), 2u);
  Await(id, v1::JOB_STATE_RUNNING);
  ASSERT_THAT(manager_->Cancel(id, who_), IsOk());
  Await(id, v1::JOB_STATE_CANCELLED);
  EXPECT_THAT(launcher_->Signals(0), Contains(SIGTERM));
  EXPECT_THAT(launcher_->Signals(1), Contains(SIGTERM));
}

TEST_F(RankJobsTest, AnotherRanksFailureNamesTheCause) {
  const std::string id = Submit(2);
  ASSERT_EQ(launcher_->AwaitLaunches(2), 2u);
  Await(id, v1::JOB_STATE_RUNNING);
  launcher_->Fail(1, "pretrain.data: rank 1 cannot read it");
  launcher_->Exit(0, {core::kExitPeerLost, 0, ""});
  const v1::Job job = Await(id, v1::JOB_STATE_FAILED);
  EXPECT_THAT(job.error(), HasSubstr("rank 1 cannot read it"));
}

TEST(GroupExitTest, ACrashWinsThenAFailureThenALostPeer) {
  const WorkerExit ok{core::kExitSucceeded, 0, ""}, failed{core::kExitFailed, 0, ""},
      lost{core::kExitPeerLost, 0, ""}, stopped{core::kExitStopped, 0, ""},
      killed{0, SIGKILL, ""};
  EXPECT_EQ(GroupExit({lost, killed}).term_signal, SIGKILL);
  EXPECT_EQ(GroupExit({lost, failed}).exit_code, core::kExitFailed);
  EXPECT_EQ(GroupExit({stopped, lost}).exit_code, core::kExitPeerLost);
  EXPECT_EQ(GroupExit({stopped, stopped}).exit_code, core::kExitStopped);
  EXPECT_EQ(GroupExit({ok, ok}).exit_code, core::kExitSucceeded);
}

}  // namespace
}  // namespace simclr::server
