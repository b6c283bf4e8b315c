#include "server/jobs/job_state_machine.h"

#include <signal.h>

#include "core/worker/worker_protocol.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace simclr::server {
namespace {

using ::testing::HasSubstr;

WorkerExit Exited(int code) { return {code, 0, ""}; }
WorkerExit Killed(int signal) { return {0, signal, ""}; }

TEST(JobStateMachineTest, ACleanExitSucceedsWhateverWasAsked) {
  for (const Intent intent :
       {Intent::kNone, Intent::kCancel, Intent::kPause, Intent::kShutdown}) {
    const auto outcome = AfterWorkerExit(Exited(core::kExitSucceeded), intent,
                                         nullptr, 0, 3);
    EXPECT_EQ(outcome.state, v1::JOB_STATE_SUCCEEDED);
    EXPECT_FALSE(outcome.restart);
  }
}

TEST(JobStateMachineTest, AReportedFailureFailsWithItsMessageAndIsNotRestarted) {
  v1::JobFailure failure;
  failure.set_message("pretrain.data.train.local.path: cannot read");
  const auto outcome =
      AfterWorkerExit(Exited(core::kExitFailed), Intent::kNone, &failure, 0, 3);
  EXPECT_EQ(outcome.state, v1::JOB_STATE_FAILED);
  EXPECT_EQ(outcome.reason, failure.message());
  EXPECT_FALSE(outcome.restart);
  EXPECT_TRUE(outcome.keep_stderr);
}

TEST(JobStateMachineTest, ExitFailedWithoutAReportSaysSo) {
  const auto outcome =
      AfterWorkerExit(Exited(core::kExitFailed), Intent::kNone, nullptr, 0, 3);
  EXPECT_EQ(outcome.state, v1::JOB_STATE_FAILED);
  EXPECT_THAT(outcome.reason, HasSubstr("exited with code 1 without saying why"));
}

TEST(JobStateMachineTest, CrashesRestartUntilMaxRestartsThenFail) {
  for (int used = 0; used < 3; ++used) {
    const auto outcome = AfterWorkerExit(Killed(SIGSEGV), Intent::kNone, nullptr, used, 3);
    EXPECT_EQ(outcome.state, v1::JOB_STATE_QUEUED);
    EXPECT_TRUE(outcome.restart);
    EXPECT_THAT(outcome.reason, HasSubstr("signal 11"));
    EXPECT_THAT(outcome.reason, HasSubstr("restart " + std::to_string(used + 1) + " of 3"));
  }
  const auto spent = AfterWorkerExit(Killed(SIGKILL), Intent::kNone, nullptr, 3, 3);
  EXPECT_EQ(spent.state, v1::JOB_STATE_FAILED);
  EXPECT_FALSE(spent.restart);
  EXPECT_THAT(spent.reason, HasSubstr("signal 9"));
  const auto odd_code = AfterWorkerExit(Exited(134), Intent::kNone, nullptr, 0, 0);
  EXPECT_EQ(odd_code.state, v1::JOB_STATE_FAILED);
  EXPECT_THAT(odd_code.reason, HasSubstr("code 134"));
}

TEST(JobStateMachineTest, ABrokenEventStreamFailsAtOnce) {
  const WorkerExit exit{0, SIGKILL, "event 3 is corrupt"};
  const auto outcome = AfterWorkerExit(exit, Intent::kNone, nullptr, 0, 3);
  EXPECT_EQ(outcome.state, v1::JOB_STATE_FAILED);
  EXPECT_EQ(outcome.reason, "event 3 is corrupt");
}

TEST(JobStateMachineTest, StopRequestsEndWhereTheyAsked) {
  for (const WorkerExit& exit : {Exited(core::kExitStopped), Killed(SIGKILL)}) {
    const bool stopped = exit.term_signal == 0;
    const auto cancel = AfterWorkerExit(exit, Intent::kCancel, nullptr, 0, 3);
    EXPECT_EQ(cancel.state, v1::JOB_STATE_CANCELLED);
    EXPECT_EQ(cancel.reason, stopped ? "cancelled by user" : "cancelled by user (worker killed)");
    const auto pause = AfterWorkerExit(exit, Intent::kPause, nullptr, 0, 3);
    EXPECT_EQ(pause.state, v1::JOB_STATE_PAUSED);
    EXPECT_THAT(pause.reason, HasSubstr(stopped ? "resumes from its checkpoint"
                                                : "had to be killed"));
    const auto shutdown = AfterWorkerExit(exit, Intent::kShutdown, nullptr, 3, 3);
    EXPECT_EQ(shutdown.state, v1::JOB_STATE_QUEUED);
    EXPECT_FALSE(shutdown.restart);  // a shutdown uses no restart
  }
}

TEST(JobStateMachineTest, AStopWithoutARequestIsACrash) {
  // Exit 75 that nobody asked for (a SIGTERM from outside): restart.
  const auto outcome =
      AfterWorkerExit(Exited(core::kExitStopped), Intent::kNone, nullptr, 0, 3);
  EXPECT_EQ(outcome.state, v1::JOB_STATE_QUEUED);
  EXPECT_TRUE(outcome.restart);
}

TEST(JobStateMachineTest, AServerRestartResumesRunningJobsWhileRestartsLast) {
  const auto resumed = AfterServerRestart(1, 3);
  EXPECT_EQ(resumed.state, v1::JOB_STATE_QUEUED);
  EXPECT_TRUE(resumed.restart);
  EXPECT_THAT(resumed.reason, HasSubstr("restart 2 of 3"));
  const auto spent = AfterServerRestart(3, 3);
  EXPECT_EQ(spent.state, v1::JOB_STATE_FAILED);
  EXPECT_FALSE(spent.restart);
  EXPECT_THAT(spent.reason, HasSubstr("used its 3 restarts"));
}

}  // namespace
}  // namespace simclr::server
