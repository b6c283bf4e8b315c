#include "core/spec/report_plan.h"

#include "absl/strings/str_cat.h"
#include "core/common/job_spec_json.h"
#include "core/spec/job_kinds.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"

namespace simclr::core {
namespace {

using ::simclr::testing::IsOk;
using ::simclr::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

v1::JobSpec Report(const std::string& extra = "") {
  auto spec = ParseJobSpecJson(absl::StrCat(R"({"seed": 9, "priority": 3, "report": {
    "data": {"train": {"dataset_id": "ds-000000000001"}},
    "pretrain": {"encoder": {"builtin": {"arch": "ARCHITECTURE_SMALL_CNN"}},
                 "input": {"size": 28, "channels": 1}})", extra, "}}"),
                               "test");
  EXPECT_THAT(spec, IsOk());
  return *spec;
}

std::vector<std::string> Names(const std::vector<ReportStepPlan>& steps) {
  std::vector<std::string> names;
  for (const auto& s : steps) names.push_back(s.name);
  return names;
}

TEST(ReportPlanTest, PretrainingThenEvaluationsOfItAgainstItsStartingPoint) {
  auto steps = PlanReport(Report(), {"job-0123456789ab"});
  ASSERT_THAT(steps, IsOk());
  EXPECT_THAT(Names(*steps),
              ElementsAre("pretrain", "linear_eval", "finetune", "tsne_before", "tsne_after"));
  const auto& pretrain = (*steps)[0].spec;
  EXPECT_EQ(pretrain.seed(), 9);
  EXPECT_EQ(pretrain.priority(), 3);
  // Without a test set, every step holds out the same 20 % test split.
  EXPECT_DOUBLE_EQ(pretrain.pretrain().data().test_fraction(), 0.2);
  const auto& linear = (*steps)[1];
  EXPECT_THAT(linear.after, ElementsAre("pretrain"));
  ASSERT_EQ(linear.spec.linear_eval().subjects_size(), 3);
  EXPECT_EQ(linear.spec.linear_eval().subjects(0).job_id(), "job-0123456789ab");
  EXPECT_EQ(linear.spec.linear_eval().subjects(1).random_init().arch(),
            v1::ARCHITECTURE_SMALL_CNN);
  EXPECT_TRUE(linear.spec.linear_eval().subjects(2).has_raw_pixels());
  EXPECT_EQ(linear.spec.linear_eval().input().size(), 28);  // the pretraining's
  EXPECT_DOUBLE_EQ(linear.spec.linear_eval().data().test_fraction(), 0.2);
  EXPECT_TRUE((*steps)[3].after.empty());  // the "before" map needs nothing
  EXPECT_EQ((*steps)[3].spec.tsne().subject().name(), "random-init");
  for (const auto& step : *steps) EXPECT_THAT(ValidateJobSpec(step.spec), IsOk()) << step.name;
}

TEST(ReportPlanTest, SeedsPretrainOnceEachAndEveryEvaluationJudgesThemAll) {
  const v1::JobSpec spec = Report(R"(, "pretrain_seeds": [4, 17])");
  ASSERT_EQ(PretrainStepCount(spec.report()), 2);
  auto steps = PlanReport(spec, {"job-00000000000a", "job-00000000000b"});
  ASSERT_THAT(steps, IsOk());
  EXPECT_THAT(Names(*steps), ElementsAre("pretrain_seed_4", "pretrain_seed_17", "linear_eval",
                                         "finetune", "tsne_before", "tsne_after"));
  EXPECT_EQ((*steps)[0].spec.seed(), 4u);
  EXPECT_EQ((*steps)[1].spec.seed(), 17u);
  EXPECT_EQ((*steps)[0].pretrain_index, 0);
  EXPECT_EQ((*steps)[1].pretrain_index, 1);
  // The first seed's folder is the report's pretraining input (its curves).
  EXPECT_EQ((*steps)[0].input, "pretrain");
  EXPECT_EQ((*steps)[1].input, "");
  for (int i : {2, 3}) {
    const auto& step = (*steps)[i];
    EXPECT_THAT(step.after, ElementsAre("pretrain_seed_4", "pretrain_seed_17"));
    EXPECT_EQ(step.spec.seed(), 9u);  // the evaluations keep the report's seed
    const auto& subjects =
        step.spec.has_linear_eval() ? step.spec.linear_eval().subjects() : step.spec.finetune().subjects();
    ASSERT_GE(subjects.size(), 3);
    EXPECT_EQ(subjects[0].name(), "SimCLR seed 4");
    EXPECT_EQ(subjects[0].job_id(), "job-00000000000a");
    EXPECT_EQ(subjects[1].name(), "SimCLR seed 17");
    EXPECT_EQ(subjects[1].job_id(), "job-00000000000b");
    EXPECT_EQ(subjects[2].name(), "random-init");
  }
  // The "after" map needs only the first seed.
  EXPECT_THAT((*steps)[5].after, ElementsAre("pretrain_seed_4"));
  EXPECT_EQ((*steps)[5].spec.tsne().subject().job_id(), "job-00000000000a");
  EXPECT_THAT(ValidateReport(spec), IsOk());
}

TEST(ReportPlanTest, SeedsAreBoundedDistinctAndOnlyForPretraining) {
  EXPECT_THAT(ValidateReport(Report(R"(, "pretrain_seeds": [4])")),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("report.pretrain_seeds: 1 values; give 2 to 5")));
  EXPECT_THAT(ValidateReport(Report(R"(, "pretrain_seeds": [1, 2, 3, 4, 5, 6])")),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("report.pretrain_seeds: 6")));
  EXPECT_THAT(ValidateReport(Report(R"(, "pretrain_seeds": [1, 2, 1])")),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("report.pretrain_seeds[2]: 1 is given twice")));
  v1::JobSpec given = Report(R"(, "pretrain_seeds": [1, 2])");
  given.mutable_report()->clear_pretrain();
  given.mutable_report()->set_checkpoint_id("ckpt-000000000001");
  EXPECT_THAT(ValidateReport(given),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("report.pretrain_seeds: only with report.pretrain")));
  EXPECT_THAT(PlanReport(Report(R"(, "pretrain_seeds": [1, 2])"), {"job-00000000000a"}),
              StatusIs(absl::StatusCode::kInternal));
}

TEST(ReportPlanTest, AGivenEncoderHasNoPretrainingAndNeedsABefore) {
  v1::JobSpec spec = Report();
  spec.mutable_report()->clear_pretrain();
  spec.mutable_report()->mutable_torchscript()->set_model_id("model-000000000001");
  EXPECT_THAT(PlanReport(spec, {}),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("report.before")));
  spec.mutable_report()->mutable_before()->mutable_random_init()->set_arch(
      v1::ARCHITECTURE_SMALL_CNN);
  spec.mutable_report()->mutable_input()->set_size(28);
  spec.mutable_report()->set_skip_finetune(true);
  auto steps = PlanReport(spec, {});
  ASSERT_THAT(steps, IsOk());
  EXPECT_THAT(Names(*steps), ElementsAre("linear_eval", "tsne_before", "tsne_after"));
  EXPECT_TRUE((*steps)[0].after.empty());
  EXPECT_EQ((*steps)[0].spec.linear_eval().subjects(0).torchscript().model_id(),
            "model-000000000001");
}

TEST(ReportPlanTest, ErrorsNameTheReportsFields) {
  EXPECT_THAT(ValidateReport(Report(R"(, "protocol": {"repeats": 0})")),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("report.protocol.repeats: 0 is outside")));
  EXPECT_THAT(ValidateReport(Report(R"(, "finetune": {"batch_size": 1})")),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("report.finetune.batch_size")));
  EXPECT_THAT(ValidateReport(Report(R"(, "finetune": {"protocol": {"repeats": 500}})")),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("report.finetune.protocol.repeats")));
  EXPECT_THAT(ValidateReport(Report(R"(, "tsne": {"num_points": 5})")),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("report.tsne.num_points")));
  EXPECT_THAT(ValidateReport(Report(R"(, "classifier": {"cv_folds": 1})")),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("report.classifier.cv_folds")));
  EXPECT_THAT(ValidateReport(Report(R"(, "before": {"raw_pixels": {}})")),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("report.before.raw_pixels")));
  EXPECT_THAT(ValidateReport(Report(R"(, "finetune": {"data": {}})")),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("report.finetune.data: the report sets it")));
  v1::JobSpec none = Report();
  none.mutable_report()->clear_pretrain();
  EXPECT_THAT(ValidateReport(none), StatusIs(absl::StatusCode::kInvalidArgument,
                                             HasSubstr("set pretrain, checkpoint_id or torchscript")));
  EXPECT_THAT(ValidateReport(Report()), IsOk());
}

}  // namespace
}  // namespace simclr::core
