// The finished-runs file: kept across a resume with the same spec, dropped
// by a fresh start, refused for another spec, and robust to a torn line.
#include "core/eval/finished_runs.h"

#include <filesystem>
#include <fstream>
#include <sstream>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

namespace simclr::core {
namespace {

using ::simclr::testing::IsOk;
using ::simclr::testing::StatusIs;
using ::testing::HasSubstr;

v1::EvalResult OneRun(const std::string& subject, double top1) {
  v1::EvalResult run;
  run.set_classifier("finetune");
  run.set_subject(subject);
  run.set_label_fraction(0.05);
  run.add_top1_runs(top1);
  run.add_epochs_run(3);
  run.add_steps_run(120);
  run.set_train_examples(50);
  run.mutable_confusion()->add_class_names("a");
  run.mutable_confusion()->add_class_names("b");
  for (const int64_t c : {4, 1, 2, 3}) run.mutable_confusion()->add_counts(c);
  return run;
}

std::string Read(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

class FinishedRunsTest : public ::testing::Test {
 protected:
  testing::TempDir dir_;
};

TEST_F(FinishedRunsTest, ResumeWithTheSameSpecKeepsTheRunsInOrder) {
  {
    auto runs = FinishedRuns::Open(dir_.path(), "abc", /*resume=*/false);
    ASSERT_THAT(runs.status(), IsOk());
    ASSERT_THAT(runs->Append(OneRun("SimCLR", 0.75)), IsOk());
    ASSERT_THAT(runs->Append(OneRun("random-init", 0.5)), IsOk());
  }
  auto again = FinishedRuns::Open(dir_.path(), "abc", /*resume=*/true);
  ASSERT_THAT(again.status(), IsOk());
  ASSERT_EQ(again->runs().size(), 2u);
  EXPECT_EQ(again->runs()[0].subject(), "SimCLR");
  EXPECT_EQ(again->runs()[0].top1_runs(0), 0.75);
  EXPECT_EQ(again->runs()[1].subject(), "random-init");
  EXPECT_EQ(again->runs()[1].confusion().counts(2), 2);
  // Appending after a resume continues the same file.
  ASSERT_THAT(again->Append(OneRun("SimCLR", 0.8)), IsOk());
  auto third = FinishedRuns::Open(dir_.path(), "abc", /*resume=*/true);
  ASSERT_THAT(third.status(), IsOk());
  EXPECT_EQ(third->runs().size(), 3u);
}

TEST_F(FinishedRunsTest, AFreshStartForgetsEarlierRuns) {
  {
    auto runs = FinishedRuns::Open(dir_.path(), "abc", false);
    ASSERT_THAT(runs.status(), IsOk());
    ASSERT_THAT(runs->Append(OneRun("SimCLR", 0.75)), IsOk());
  }
  auto fresh = FinishedRuns::Open(dir_.path(), "abc", false);
  ASSERT_THAT(fresh.status(), IsOk());
  EXPECT_TRUE(fresh->runs().empty());
  auto resumed = FinishedRuns::Open(dir_.path(), "abc", true);
  ASSERT_THAT(resumed.status(), IsOk());
  EXPECT_TRUE(resumed->runs().empty());
}

TEST_F(FinishedRunsTest, AnotherSpecIsRefusedAndTheFileKept) {
  {
    auto runs = FinishedRuns::Open(dir_.path(), "abc", false);
    ASSERT_THAT(runs.status(), IsOk());
    ASSERT_THAT(runs->Append(OneRun("SimCLR", 0.75)), IsOk());
  }
  const std::string path = dir_.path() + "/finished_runs.jsonl";
  const std::string before = Read(path);
  EXPECT_THAT(FinishedRuns::Open(dir_.path(), "xyz", true).status(),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("different spec")));
  EXPECT_EQ(Read(path), before);
}

TEST_F(FinishedRunsTest, ATornLastLineIsDroppedAndABadEarlierLineIsDataLoss) {
  const std::string path = dir_.path() + "/finished_runs.jsonl";
  {
    auto runs = FinishedRuns::Open(dir_.path(), "abc", false);
    ASSERT_THAT(runs.status(), IsOk());
    ASSERT_THAT(runs->Append(OneRun("SimCLR", 0.75)), IsOk());
  }
  // A kill in the middle of writing the second run.
  { std::ofstream(path, std::ios::app) << "{\"classifier\":\"fine"; }
  auto resumed = FinishedRuns::Open(dir_.path(), "abc", true);
  ASSERT_THAT(resumed.status(), IsOk());
  EXPECT_EQ(resumed->runs().size(), 1u);
  ASSERT_THAT(resumed->Append(OneRun("random-init", 0.5)), IsOk());
  auto both = FinishedRuns::Open(dir_.path(), "abc", true);
  ASSERT_THAT(both.status(), IsOk());
  EXPECT_EQ(both->runs().size(), 2u);

  // A complete but unreadable line is not silently skipped.
  { std::ofstream(path, std::ios::app) << "not json\n"; }
  EXPECT_THAT(FinishedRuns::Open(dir_.path(), "abc", true).status(),
              StatusIs(absl::StatusCode::kDataLoss, HasSubstr("line 4")));
}

TEST(AddRunToCellTest, AccumulatesEveryListAndTheConfusionCounts) {
  v1::EvalResult cell;
  AddRunToCell(OneRun("SimCLR", 0.75), cell);
  AddRunToCell(OneRun("SimCLR", 0.5), cell);
  EXPECT_THAT(cell.top1_runs(), ::testing::ElementsAre(0.75, 0.5));
  EXPECT_THAT(cell.epochs_run(), ::testing::ElementsAre(3, 3));
  EXPECT_THAT(cell.steps_run(), ::testing::ElementsAre(120, 120));
  EXPECT_EQ(cell.train_examples(), 50);
  EXPECT_THAT(cell.confusion().class_names(), ::testing::ElementsAre("a", "b"));
  EXPECT_THAT(cell.confusion().counts(), ::testing::ElementsAre(8, 2, 4, 6));
}

}  // namespace
}  // namespace simclr::core
