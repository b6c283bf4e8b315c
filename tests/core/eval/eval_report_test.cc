#include "core/eval/eval_report.h"

#include <cmath>

#include "core/eval/eval_runs.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

namespace simclr::core {
namespace {

using ::simclr::testing::IsOk;
using ::testing::HasSubstr;

v1::EvalResult Cell(const std::string& classifier, const std::string& subject,
                    double fraction, std::vector<double> runs) {
  v1::EvalResult r;
  r.set_classifier(classifier);
  r.set_subject(subject);
  r.set_label_fraction(fraction);
  for (double v : runs) r.add_top1_runs(v);
  SummariseRuns(r);
  return r;
}

TEST(EvalReportTest, SummarisesWithTheSampleStandardDeviation) {
  const v1::EvalResult r = Cell("linear", "a", 1, {0.8, 0.9, 1.0});
  EXPECT_DOUBLE_EQ(r.top1_mean(), 0.9);
  EXPECT_NEAR(r.top1_std(), 0.1, 1e-12);
  EXPECT_EQ(Cell("linear", "a", 1, {0.5}).top1_std(), 0);
}

TEST(EvalReportTest, TableHasTheAncestorsLayout) {
  v1::EvalReport linear, finetune;
  *linear.add_results() = Cell("linear", "raw pixels", 1, {0.84, 0.85});
  *linear.add_results() = Cell("linear", "SimCLR", 1, {0.90, 0.91});
  *linear.add_results() = Cell("linear", "raw pixels", 0.05, {0.70, 0.72});
  *linear.add_results() = Cell("linear", "SimCLR", 0.05, {0.87, 0.88});
  *finetune.add_results() = Cell("finetune", "SimCLR", 1, {0.92, 0.93});
  linear.set_test_examples(10000);
  const std::string table = EvalTableMarkdown({linear, finetune});
  EXPECT_THAT(table, HasSubstr("| labels | classifier | raw pixels | SimCLR |"));
  EXPECT_THAT(table, HasSubstr("| 100 % | linear | 84.50 ± 0.71 | 90.50 ± 0.71 |"));
  EXPECT_THAT(table, HasSubstr("| 100 % | fine-tuned | — | 92.50 ± 0.71 |"));
  EXPECT_THAT(table, HasSubstr("| 5 % | linear | 71.00 ± 1.41 | 87.50 ± 0.71 |"));
  EXPECT_THAT(table, HasSubstr("10000 test images"));
  EXPECT_THAT(table, HasSubstr("over 2 runs"));
}

TEST(EvalReportTest, SeedsPoolIntoAColumnOfTheirMeansBeforeTheirOwn) {
  v1::EvalReport linear;
  linear.set_test_examples(100);
  for (const char* s : {"seed 1", "seed 2", "random-init"}) linear.add_subjects(s);
  *linear.add_results() = Cell("linear", "seed 1", 1, {0.80, 0.82});
  *linear.add_results() = Cell("linear", "seed 2", 1, {0.90, 0.92});
  *linear.add_results() = Cell("linear", "random-init", 1, {0.5, 0.5});
  *linear.add_results() = Cell("linear", "seed 1", 0.05, {0.7, 0.7});  // seed 2 missing
  PoolSubjects({"seed 1", "seed 2"}, "pooled", linear);
  EXPECT_THAT(linear.subjects(),
              ::testing::ElementsAre("pooled", "seed 1", "seed 2", "random-init"));
  ASSERT_EQ(linear.results_size(), 5);
  const v1::EvalResult& pooled = linear.results(0);
  EXPECT_EQ(pooled.subject(), "pooled");
  EXPECT_EQ(pooled.pretrain_seeds(), 2);
  EXPECT_THAT(pooled.top1_runs(), ::testing::ElementsAre(0.81, 0.91));
  EXPECT_NEAR(pooled.top1_mean(), 0.86, 1e-12);
  EXPECT_NEAR(pooled.top1_std(), std::sqrt(0.005), 1e-12);  // over the seeds, not the runs
  EXPECT_EQ(linear.results(4).subject(), "seed 1");  // 5 %: no pooled cell
  const std::string md = EvalTableMarkdown({linear});
  EXPECT_THAT(md, HasSubstr("| 100 % | linear | 86.00 ± 7.07 | 81.00 ± 1.41 |"));
  EXPECT_THAT(md, HasSubstr("over 2 runs"));  // the pooled cells' seeds are not runs
  EXPECT_THAT(md, HasSubstr("pooled over 2 pretraining seeds"));
  PoolSubjects({}, "pooled", linear);  // nothing to pool: unchanged
  EXPECT_EQ(linear.results_size(), 5);
}

TEST(EvalReportTest, WritesJsonAndMarkdownAndEmitsEvents) {
  testing::TempDir dir;
  v1::EvalReport report;
  report.set_classifier("linear");
  *report.add_results() = Cell("linear", "SimCLR", 0.2, {0.5, 0.7});
  CollectingSink sink;
  ASSERT_THAT(WriteEvalReport(dir.path(), report, sink), IsOk());
  auto read = ReadEvalReport(dir.path() + "/report.json");
  ASSERT_THAT(read.status(), IsOk());
  EXPECT_EQ(read->results(0).top1_runs_size(), 2);
  int results = 0, artifacts = 0;
  for (const auto& e : sink.events()) {
    results += e.has_eval_result();
    artifacts += e.has_artifact();
  }
  EXPECT_EQ(results, 1);
  EXPECT_EQ(artifacts, 2);
  EXPECT_THAT(ReadEvalReport(dir.path() + "/report.md").status().message(),
              HasSubstr("not an EvalReport"));
}

TEST(EvalRunsTest, LabelSubsetsAreStratifiedAndReproducible) {
  // 10 classes × 100 images; pool = the even indices.
  std::vector<int32_t> labels(1000);
  for (int i = 0; i < 1000; ++i) labels[i] = i % 10;
  std::vector<int64_t> pool;
  for (int64_t i = 0; i < 1000; i += 2) pool.push_back(i);
  const uint64_t seed = RunSeed(1, 2, 3);
  auto a = LabelSubset(pool, labels, 0.2, seed);
  auto b = LabelSubset(pool, labels, 0.2, seed);
  auto c = LabelSubset(pool, labels, 0.2, RunSeed(1, 2, 4));
  ASSERT_THAT(a.status(), IsOk());
  EXPECT_EQ(*a, *b);
  EXPECT_NE(*a, *c);
  std::vector<int> per_class(10, 0);
  for (const int64_t p : *a) ++per_class[labels[pool[p]]];
  for (int k = 0; k < 10; k += 2) EXPECT_EQ(per_class[k], 20) << "class " << k;  // 20 % of 100
  for (int k = 1; k < 10; k += 2) EXPECT_EQ(per_class[k], 0);
  EXPECT_NE(RunSeed(1, 0, 0), RunSeed(1, 1, 0));
  EXPECT_NE(RunSeed(1, 0, 0), RunSeed(2, 0, 0));
}

TEST(EvalRunsTest, ConfusionCountsTruthAgainstPrediction) {
  v1::ConfusionMatrix confusion;
  AddToConfusion({0, 1, 1}, {0, 0, 1}, {"a", "b"}, &confusion);
  AddToConfusion({1}, {0}, {"a", "b"}, &confusion);
  ASSERT_EQ(confusion.counts_size(), 4);
  EXPECT_EQ(confusion.counts(0), 1);  // a → a
  EXPECT_EQ(confusion.counts(1), 0);  // a → b
  EXPECT_EQ(confusion.counts(2), 2);  // b → a
  EXPECT_EQ(confusion.counts(3), 1);  // b → b
}

}  // namespace
}  // namespace simclr::core
