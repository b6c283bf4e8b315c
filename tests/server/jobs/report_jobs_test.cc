// JobManager's report jobs with the fake launcher and a real store: the
// steps start only once what they wait for has succeeded, a failed step
// fails what waits for it, and pause, resume and cancel of the report reach
// its steps.
#include <algorithm>
#include <string>

#include "core/common/job_spec_json.h"
#include "core/worker/worker_protocol.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/jobs/job_manager.h"
#include "tests/server/jobs/job_manager_fixture.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

namespace simclr::server {
namespace {

using ::simclr::testing::FakeWorkerLauncher;
using ::simclr::testing::IsOk;
using ::testing::HasSubstr;

v1::JobSpec ReportSpec() {
  auto spec = core::ParseJobSpecJson(R"({"report": {
    "data": {"train": {"local": {"format": "DATASET_FORMAT_IDX",
      "path": "/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz",
      "labels_path": "/usr/share/datasets/fashion-mnist/t10k-labels-idx1-ubyte.gz"}}},
    "pretrain": {"encoder": {"builtin": {"arch": "ARCHITECTURE_SMALL_CNN"}},
                 "input": {"size": 28, "channels": 1}}}})",
                                     "test");
  EXPECT_THAT(spec, IsOk());
  return *spec;
}

class ReportJobsTest : public JobManagerFixture {
 protected:
  void SetUp() override { Open(4); }

  // The launch index of `job_id`, waiting for it; -1 if it never starts.
  int LaunchOf(const std::string& job_id, size_t at_least) {
    launcher_->AwaitLaunches(at_least);
    for (size_t i = 0; i < launcher_->launches(); ++i) {
      if (launcher_->JobOf(i) == job_id) return static_cast<int>(i);
    }
    return -1;
  }

};

TEST_F(ReportJobsTest, StepsRunInDependencyOrderAndTheReportLast) {
  auto report = manager_->Submit(ReportSpec(), "", false, who_);
  ASSERT_THAT(report, IsOk());
  ASSERT_EQ(report->steps_size(), 5);
  EXPECT_EQ(report->depends_on_size(), 5);
  std::map<std::string, std::string> step;
  for (const auto& s : report->steps()) step[s.name()] = s.job_id();
  const v1::Job linear = *manager_->Get(step["linear_eval"], who_);
  EXPECT_EQ(linear.parent_job_id(), report->id());
  EXPECT_EQ(linear.spec().labels().at("report"), report->id());
  EXPECT_THAT(linear.depends_on(), ::testing::ElementsAre(step["pretrain"]));

  // First pretrain and tsne_before (nothing to wait for), nothing else.
  ASSERT_EQ(launcher_->AwaitLaunches(2), 2u);
  absl::SleepFor(absl::Milliseconds(500));
  EXPECT_EQ(launcher_->launches(), 2u);
  const int pretrain = LaunchOf(step["pretrain"], 2);
  ASSERT_GE(pretrain, 0);
  EXPECT_GE(LaunchOf(step["tsne_before"], 2), 0);
  launcher_->Exit(pretrain, {core::kExitSucceeded, 0, ""});
  // Then the three that judge the pretrained encoder.
  ASSERT_EQ(launcher_->AwaitLaunches(5), 5u);
  EXPECT_EQ(manager_->Get(report->id(), who_)->state(), v1::JOB_STATE_QUEUED);
  for (size_t i = 0; i < 5; ++i) {
    if (static_cast<int>(i) != pretrain) launcher_->Exit(i, {core::kExitSucceeded, 0, ""});
  }
  // The report composes last.
  ASSERT_EQ(launcher_->AwaitLaunches(6), 6u);
  EXPECT_EQ(launcher_->JobOf(5), report->id());
  launcher_->Exit(5, {core::kExitSucceeded, 0, ""});
  Await(report->id(), v1::JOB_STATE_SUCCEEDED);
}

TEST_F(ReportJobsTest, EachSeedPretrainsAsAStepAndTheEvaluationsWaitForAll) {
  v1::JobSpec spec = ReportSpec();
  spec.mutable_report()->add_pretrain_seeds(4);
  spec.mutable_report()->add_pretrain_seeds(5);
  auto report = manager_->Submit(spec, "", false, who_);
  ASSERT_THAT(report, IsOk());
  ASSERT_EQ(report->steps_size(), 6);
  std::map<std::string, std::string> step;
  for (const auto& s : report->steps()) step[s.name()] = s.job_id();
  const v1::Job linear = *manager_->Get(step["linear_eval"], who_);
  EXPECT_THAT(linear.depends_on(), ::testing::UnorderedElementsAre(step["pretrain_seed_4"],
                                                                   step["pretrain_seed_5"]));
  ASSERT_GE(linear.spec().linear_eval().subjects_size(), 2);
  EXPECT_EQ(linear.spec().linear_eval().subjects(0).job_id(), step["pretrain_seed_4"]);
  EXPECT_EQ(linear.spec().linear_eval().subjects(1).job_id(), step["pretrain_seed_5"]);
  EXPECT_THAT(manager_->Get(step["tsne_after"], who_)->depends_on(),
              ::testing::ElementsAre(step["pretrain_seed_4"]));
  EXPECT_EQ(manager_->Get(step["pretrain_seed_5"], who_)->spec().seed(), 5u);
  // Both pretrainings and the "before" map start at once (4 slots).
  ASSERT_EQ(launcher_->AwaitLaunches(3), 3u);
  for (const char* name : {"pretrain_seed_4", "pretrain_seed_5", "tsne_before"}) {
    EXPECT_GE(LaunchOf(step[name], 3), 0) << name;
  }
}

TEST_F(ReportJobsTest, AFailedStepFailsWhatWaitsForItNamingIt) {
  auto report = manager_->Submit(ReportSpec(), "", false, who_);
  ASSERT_THAT(report, IsOk());
  std::map<std::string, std::string> step;
  for (const auto& s : report->steps()) step[s.name()] = s.job_id();
  const int pretrain = LaunchOf(step["pretrain"], 2);
  ASSERT_GE(pretrain, 0);
  launcher_->Fail(pretrain, "pretrain.data.train: no images");
  const v1::Job linear = Await(step["linear_eval"], v1::JOB_STATE_FAILED);
  EXPECT_THAT(linear.error(), HasSubstr("step pretrain, job " + step["pretrain"] + ", failed"));
  const v1::Job failed = Await(report->id(), v1::JOB_STATE_FAILED);
  EXPECT_THAT(failed.error(), HasSubstr("cannot run: step "));
  // The step still running for the failed report is stopped.
  Await(step["tsne_before"], v1::JOB_STATE_CANCELLED);
  // What never ran is never launched.
  EXPECT_EQ(LaunchOf(step["linear_eval"], 2), -1);
  EXPECT_EQ(LaunchOf(report->id(), 2), -1);
}

TEST_F(ReportJobsTest, PauseResumeAndCancelOfTheReportReachItsSteps) {
  auto report = manager_->Submit(ReportSpec(), "", false, who_);
  ASSERT_THAT(report, IsOk());
  std::map<std::string, std::string> step;
  for (const auto& s : report->steps()) step[s.name()] = s.job_id();
  ASSERT_EQ(launcher_->AwaitLaunches(2), 2u);
  // The fake worker answers SIGTERM as a real one does: checkpoint, stop.
  auto paused = manager_->Pause(report->id(), who_);
  ASSERT_THAT(paused, IsOk());
  EXPECT_EQ(paused->state(), v1::JOB_STATE_PAUSED);
  for (const auto& [name, id] : step) {
    EXPECT_EQ(manager_->Get(id, who_)->state(), v1::JOB_STATE_PAUSED) << name;
  }
  ASSERT_THAT(manager_->Resume(report->id(), who_), IsOk());
  for (const auto& [name, id] : step) {
    EXPECT_NE(manager_->Get(id, who_)->state(), v1::JOB_STATE_PAUSED) << name;
  }
  ASSERT_EQ(launcher_->AwaitLaunches(4), 4u);  // pretrain and tsne_before again
  auto cancelled = manager_->Cancel(report->id(), who_);
  ASSERT_THAT(cancelled, IsOk());
  EXPECT_EQ(cancelled->state(), v1::JOB_STATE_CANCELLED);
  for (const auto& [name, id] : step) {
    EXPECT_EQ(Await(id, v1::JOB_STATE_CANCELLED).state(), v1::JOB_STATE_CANCELLED) << name;
  }
  // Deleting the report removes its steps too.
  ASSERT_THAT(manager_->Delete(report->id(), who_), IsOk());
  for (const auto& [name, id] : step) {
    EXPECT_FALSE(manager_->Get(id, who_).ok()) << name;
  }
}

TEST_F(ReportJobsTest, InputsAreTheServersAndFieldsAreTheReports) {
  v1::JobSpec spec = ReportSpec();
  spec.mutable_report()->mutable_inputs()->set_pretrain("/etc");
  EXPECT_THAT(manager_->Submit(spec, "", false, who_).status().message(),
              HasSubstr("spec.report.inputs: set by the server"));
  spec = ReportSpec();
  spec.mutable_report()->mutable_protocol()->set_repeats(0);
  EXPECT_THAT(manager_->Submit(spec, "", false, who_).status().message(),
              HasSubstr("spec.report.protocol.repeats"));
  spec = ReportSpec();
  spec.mutable_report()->mutable_tsne()->mutable_subject()->mutable_raw_pixels();
  EXPECT_THAT(manager_->Submit(spec, "", false, who_).status().message(),
              HasSubstr("spec.report.tsne.subject: the report sets it"));
  // The worker's spec names the steps' run folders.
  auto report = manager_->Submit(ReportSpec(), "", /*validate_only=*/true, who_);
  ASSERT_THAT(report, IsOk());
  EXPECT_EQ(report->steps_size(), 5);
  EXPECT_TRUE(manager_->List(JobQuery(), who_)->jobs.empty());
}

}  // namespace
}  // namespace simclr::server
