// JobManager with a fake worker launcher and a real SQLite store on disk:
// the queue order, the concurrency limit, restarts after crashes, reported
// failures, cancel / pause / resume from every state, shutdown and recovery.
#include "server/jobs/job_manager.h"

#include <signal.h>

#include <memory>
#include <string>

#include "core/common/job_spec_json.h"
#include "core/worker/worker_protocol.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/server/jobs/job_manager_fixture.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

namespace simclr::server {
namespace {

using ::simclr::testing::FakeWorkerLauncher;
using ::simclr::testing::IsOk;
using ::simclr::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

v1::JobSpec Spec(int priority, int max_restarts = 3) {
  v1::JobSpec spec = TinyPretrainSpec();
  spec.set_priority(priority);
  spec.set_max_restarts(max_restarts);
  return spec;
}

class JobManagerTest : public JobManagerFixture {
 protected:
  void SetUp() override { Open(1); }

  std::string Submit(int priority, int max_restarts = 3) {
    auto job = manager_->Submit(Spec(priority, max_restarts), "", false, who_);
    EXPECT_THAT(job, IsOk());
    return job.ok() ? job->id() : "";
  }
};

TEST_F(JobManagerTest, HigherPriorityRunsFirstAndEqualPrioritiesInSubmissionOrder) {
  const std::string blocker = Submit(0);
  ASSERT_EQ(launcher_->AwaitLaunches(1), 1u);
  const std::string low1 = Submit(0), high1 = Submit(5), high2 = Submit(5),
                    low2 = Submit(0), top = Submit(100);
  std::vector<std::string> order;
  for (size_t i = 0; i < 6; ++i) {
    ASSERT_EQ(launcher_->AwaitLaunches(i + 1), i + 1);
    order.push_back(launcher_->JobOf(i));
    launcher_->Exit(i, {core::kExitSucceeded, 0, ""});
  }
  EXPECT_THAT(order, ElementsAre(blocker, top, high1, high2, low1, low2));
  for (const auto& id : order) Await(id, v1::JOB_STATE_SUCCEEDED);
}

TEST_F(JobManagerTest, NeverRunsMoreThanMaxConcurrentJobs) {
  Open(2);
  const std::string a = Submit(0), b = Submit(0), c = Submit(0);
  ASSERT_EQ(launcher_->AwaitLaunches(2), 2u);
  absl::SleepFor(absl::Milliseconds(500));  // two scheduler rounds
  EXPECT_EQ(launcher_->launches(), 2u);
  EXPECT_EQ(manager_->Get(c, who_)->state(), v1::JOB_STATE_QUEUED);
  launcher_->Exit(0, {core::kExitSucceeded, 0, ""});
  ASSERT_EQ(launcher_->AwaitLaunches(3), 3u);
  EXPECT_EQ(launcher_->JobOf(2), c);
  Await(a, v1::JOB_STATE_SUCCEEDED);
}

TEST_F(JobManagerTest, ACrashIsRestartedUpToMaxRestartsThenFails) {
  const std::string id = Submit(0, /*max_restarts=*/2);
  for (size_t i = 0; i < 3; ++i) {
    ASSERT_EQ(launcher_->AwaitLaunches(i + 1), i + 1);
    EXPECT_EQ(launcher_->Command(i), "resume");  // pretraining resumes
    launcher_->Exit(i, {0, SIGSEGV, ""});
  }
  const v1::Job failed = Await(id, v1::JOB_STATE_FAILED);
  EXPECT_EQ(failed.restart_count(), 2);
  EXPECT_EQ(failed.exit_code(), -SIGSEGV);
  EXPECT_THAT(failed.error(), HasSubstr("signal 11"));
  absl::SleepFor(absl::Milliseconds(300));
  EXPECT_EQ(launcher_->launches(), 3u);
}

TEST_F(JobManagerTest, AReportedFailureFailsAtOnceWithTheWorkersReason) {
  const std::string id = Submit(0);
  ASSERT_EQ(launcher_->AwaitLaunches(1), 1u);
  launcher_->Fail(0, "pretrain.data.train: no images");
  const v1::Job failed = Await(id, v1::JOB_STATE_FAILED);
  EXPECT_EQ(failed.error(), "pretrain.data.train: no images");
  EXPECT_EQ(failed.failure().code(), static_cast<int>(absl::StatusCode::kInvalidArgument));
  EXPECT_EQ(failed.restart_count(), 0);
  absl::SleepFor(absl::Milliseconds(300));
  EXPECT_EQ(launcher_->launches(), 1u);
}

TEST_F(JobManagerTest, CancelPauseAndResumeFromEveryState) {
  const std::string running = Submit(10);
  ASSERT_EQ(launcher_->AwaitLaunches(1), 1u);
  const std::string queued = Submit(0);

  // QUEUED: pause, resume, cancel.
  EXPECT_EQ(manager_->Pause(queued, who_)->state(), v1::JOB_STATE_PAUSED);
  EXPECT_THAT(manager_->Pause(queued, who_), StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_EQ(manager_->Resume(queued, who_)->state(), v1::JOB_STATE_QUEUED);
  EXPECT_THAT(manager_->Resume(queued, who_), StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_EQ(manager_->Cancel(queued, who_)->state(), v1::JOB_STATE_CANCELLED);

  // RUNNING: pause checkpoints and stops (SIGTERM), resume relaunches.
  const v1::Job paused = *manager_->Pause(running, who_);
  EXPECT_EQ(paused.state(), v1::JOB_STATE_PAUSED);
  EXPECT_THAT(launcher_->Signals(0), ElementsAre(SIGTERM));
  EXPECT_EQ(manager_->Resume(running, who_)->state(), v1::JOB_STATE_QUEUED);
  ASSERT_EQ(launcher_->AwaitLaunches(2), 2u);
  EXPECT_EQ(launcher_->JobOf(1), running);
  Await(running, v1::JOB_STATE_RUNNING);
  // RUNNING: cancel; then PAUSED → cancel.
  EXPECT_EQ(manager_->Cancel(running, who_)->state(), v1::JOB_STATE_CANCELLED);
  EXPECT_THAT(launcher_->Signals(1), ElementsAre(SIGTERM));

  // Ended: nothing more.
  for (const std::string& id : {queued, running}) {
    EXPECT_THAT(manager_->Cancel(id, who_), StatusIs(absl::StatusCode::kFailedPrecondition));
    EXPECT_THAT(manager_->Pause(id, who_), StatusIs(absl::StatusCode::kFailedPrecondition));
    EXPECT_THAT(manager_->Resume(id, who_), StatusIs(absl::StatusCode::kFailedPrecondition));
  }
  const std::string paused_then_cancelled = Submit(0);
  ASSERT_EQ(launcher_->AwaitLaunches(3), 3u);
  EXPECT_EQ(manager_->Pause(paused_then_cancelled, who_)->state(), v1::JOB_STATE_PAUSED);
  EXPECT_EQ(manager_->Cancel(paused_then_cancelled, who_)->state(), v1::JOB_STATE_CANCELLED);
  EXPECT_THAT(manager_->Cancel("job-000000000000", who_), StatusIs(absl::StatusCode::kNotFound));
}

TEST_F(JobManagerTest, ShutdownRequeuesRunningJobsAndTheNextStartRunsThem) {
  const std::string running = Submit(5), queued = Submit(0);
  ASSERT_EQ(launcher_->AwaitLaunches(1), 1u);
  manager_->Shutdown(absl::Seconds(5));
  EXPECT_THAT(launcher_->Signals(0), ElementsAre(SIGTERM));
  EXPECT_EQ(manager_->Get(running, who_)->state(), v1::JOB_STATE_QUEUED);
  EXPECT_THAT(manager_->Submit(Spec(0), "", false, who_), StatusIs(absl::StatusCode::kUnavailable));

  Open(1);  // a new server on the same store
  ASSERT_EQ(launcher_->AwaitLaunches(1), 1u);
  EXPECT_EQ(launcher_->JobOf(0), running);
  EXPECT_EQ(manager_->Get(running, who_)->restart_count(), 0);  // a shutdown is no crash
  EXPECT_EQ(manager_->Get(queued, who_)->state(), v1::JOB_STATE_QUEUED);
}

TEST_F(JobManagerTest, ValidateOnlyStoresNothing) {
  auto job = manager_->Submit(Spec(0), "", /*validate_only=*/true, who_);
  ASSERT_THAT(job, IsOk());
  EXPECT_EQ(job->id(), "");
  EXPECT_EQ(job->kind(), v1::JOB_KIND_PRETRAIN);
  EXPECT_TRUE(manager_->List(JobQuery(), who_)->jobs.empty());
  absl::SleepFor(absl::Milliseconds(300));
  EXPECT_EQ(launcher_->launches(), 0u);
}

}  // namespace
}  // namespace simclr::server
