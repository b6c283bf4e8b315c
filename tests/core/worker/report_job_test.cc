// The standalone worker's report: every step run here, one after another,
// in JOB_DIR/steps/NAME, with pretraining seeds pooled into one column.
#include "core/worker/report_job.h"

#include <filesystem>
#include <fstream>
#include <sstream>

#include "absl/strings/match.h"
#include "absl/strings/str_format.h"
#include "core/common/job_spec_json.h"
#include "core/common/event_sink.h"
#include "core/common/layout.h"
#include "core/eval/eval_report.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/json_util.h"
#include "gtest/gtest.h"
#include "tests/testing/job_dir_fixture.h"
#include "tests/testing/status_matchers.h"

namespace simclr::core {
namespace {

namespace fs = std::filesystem;
using ::simclr::testing::IsOk;
using ::testing::HasSubstr;

// 400 Fashion-MNIST images, two pretraining seeds of one epoch each.
v1::JobSpec SeededReport() {
  auto spec = ParseJobSpecJson(R"({"seed": 3, "num_threads": 1, "report": {
    "pretrain_seeds": [4, 5],
    "data": {"train": {"local": {"format": "DATASET_FORMAT_IDX",
        "path": "/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz",
        "labels_path": "/usr/share/datasets/fashion-mnist/t10k-labels-idx1-ubyte.gz"}},
      "max_examples": 400, "val_fraction": 0.1, "test_fraction": 0.25},
    "pretrain": {"encoder": {"builtin": {"arch": "ARCHITECTURE_SMALL_CNN", "width_multiplier": 0.25}},
      "input": {"size": 28, "channels": 1, "mean": [0.5], "std": [0.25]},
      "batch_size": 64, "epochs": 1, "monitor": {"knn_every_epochs": 0}},
    "protocol": {"label_fractions": [1.0], "repeats": 2},
    "classifier": {"c_grid": [0.1, 1], "cv_folds": 2},
    "skip_finetune": true,
    "tsne": {"num_points": 60, "perplexity": 10, "iterations": 250, "image_size": 256}}})",
                               "test");
  EXPECT_THAT(spec, IsOk());
  return *spec;
}

std::string ReadAll(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

using ReportJobTest = testing::JobDirTest;

TEST_F(ReportJobTest, EachSeedPretrainsInItsOwnStepAndTheTablePoolsThem) {
  CollectingSink sink;
  ASSERT_THAT(RunReportJob(SeededReport(), Run(), sink), IsOk());
  const std::string job = Run().job_dir;
  for (const char* step : {"pretrain_seed_4", "pretrain_seed_5"}) {
    EXPECT_TRUE(fs::exists(fs::path(job) / "steps" / step / "checkpoints/final/encoder.pt"))
        << step;
  }
  auto linear = ReadEvalReport(job + "/steps/linear_eval/report.json");
  ASSERT_THAT(linear, IsOk());
  EXPECT_THAT(linear->subjects(),
              ::testing::ElementsAre("SimCLR seed 4", "SimCLR seed 5", "random-init",
                                     "raw pixels"));
  // Two encoders of two seeds, not one judged twice.
  EXPECT_NE(linear->results(0).top1_runs(0), linear->results(1).top1_runs(0));
  const std::string md = ReadAll(job + "/" + layout::kReportMarkdown);
  EXPECT_THAT(md, HasSubstr("| labels | classifier | SimCLR | SimCLR seed 4 | SimCLR seed 5 |"));
  const double pooled = (linear->results(0).top1_mean() + linear->results(1).top1_mean()) / 2;
  EXPECT_THAT(md, HasSubstr(absl::StrFormat("| 100 %% | linear | %.2f ± ", 100 * pooled)));
  // The curves are the first seed's.
  EXPECT_TRUE(fs::exists(job + "/artifacts/training_curves.png"));
  // Run again: every step is kept.
  CollectingSink again;
  ASSERT_THAT(RunReportJob(SeededReport(), Run(), again), IsOk());
  int kept = 0;
  for (const auto& e : again.events()) {
    if (e.has_log() && absl::StrContains(e.log().message(), "finished before, kept")) ++kept;
  }
  EXPECT_EQ(kept, 5);  // two pretrainings, the probe, two maps
}

// The worker's --job_dir may be relative to the working folder while the
// spec lies elsewhere: the probe must still find the pretrained checkpoint.
TEST_F(ReportJobTest, ARelativeJobFolderIsNotReadAgainstTheSpecsFolder) {
  v1::JobSpec spec = SeededReport();
  spec.mutable_report()->clear_pretrain_seeds();  // one pretraining: the cheapest report
  const fs::path was = fs::current_path();
  fs::current_path(dir_.path());
  fs::create_directory("specs");
  core::JobRun run = Run();
  run.job_dir = "job";
  run.spec_dir = "specs";
  CollectingSink sink;
  const absl::Status status = RunReportJob(spec, run, sink);
  fs::current_path(was);
  ASSERT_THAT(status, IsOk());
  auto linear = ReadEvalReport(dir_.path() + "/job/steps/linear_eval/report.json");
  ASSERT_THAT(linear, IsOk());
  EXPECT_THAT(linear->subjects(), ::testing::Contains(HasSubstr("SimCLR")));
}

}  // namespace
}  // namespace simclr::core
