// The evaluation jobs end to end on small Fashion-MNIST slices: report
// files and events, every cell filled, the t-SNE artifacts, and clear
// errors for bad specs.
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "ATen/Parallel.h"
#include "core/eval/eval_report.h"
#include "core/eval/finetune_curves.h"
#include "core/eval/finetune_job.h"
#include "core/eval/linear_eval_job.h"
#include "core/eval/tsne_job.h"
#include "core/train/pretrainer.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "opencv2/imgcodecs.hpp"
#include "tests/testing/job_dir_fixture.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/subprocess.h"
#include "tests/testing/temp_dir.h"

namespace simclr::core {
namespace {

using ::simclr::testing::IsOk;
using ::simclr::testing::StatusIs;
using ::testing::HasSubstr;

constexpr char kImages[] =
    "/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz";
constexpr char kLabels[] =
    "/usr/share/datasets/fashion-mnist/t10k-labels-idx1-ubyte.gz";

void SetData(v1::DataConfig* data, int64_t examples) {
  auto* local = data->mutable_train()->mutable_local();
  local->set_format(v1::DATASET_FORMAT_IDX);
  local->set_path(kImages);
  local->set_labels_path(kLabels);
  data->set_max_examples(examples);
  data->set_test_fraction(0.25);
}

v1::BuiltinEncoder SmallCnn() {
  v1::BuiltinEncoder cnn;
  cnn.set_arch(v1::ARCHITECTURE_SMALL_CNN);
  cnn.set_width_multiplier(0.25f);
  return cnn;
}

using EvalJobsTest = testing::JobDirTest;

// Cuts `path` to its first `keep` lines, as a stop mid-job leaves
// finished_runs.jsonl; returns how many lines it had.
size_t KeepFirstLines(const std::string& path, size_t keep) {
  std::vector<std::string> lines;
  {
    std::ifstream in(path);
    for (std::string line; std::getline(in, line);) lines.push_back(line);
  }
  std::ofstream out(path, std::ios::trunc);
  for (size_t i = 0; i < keep && i < lines.size(); ++i) out << lines[i] << "\n";
  return lines.size();
}

// Every cell of a resumed job's report equals the uninterrupted job's.
void ExpectSameCells(const v1::EvalReport& whole, const v1::EvalReport& resumed) {
  ASSERT_EQ(resumed.results_size(), whole.results_size());
  for (int i = 0; i < whole.results_size(); ++i) {
    const auto& a = whole.results(i);
    const auto& b = resumed.results(i);
    EXPECT_THAT(b.top1_runs(), ::testing::ElementsAreArray(a.top1_runs()));
    EXPECT_THAT(b.chosen_c(), ::testing::ElementsAreArray(a.chosen_c()));
    EXPECT_THAT(b.steps_run(), ::testing::ElementsAreArray(a.steps_run()));
    EXPECT_THAT(b.confusion().counts(), ::testing::ElementsAreArray(a.confusion().counts()));
    EXPECT_EQ(b.train_examples(), a.train_examples());
    EXPECT_EQ(b.top1_std(), a.top1_std());
  }
}

// Runs a resumed job read back instead of running them.
int RunsReadBack(const CollectingSink& sink) {
  int read_back = 0;
  for (const auto& e : sink.events()) {
    read_back += e.log().message().find("finished before the resume") != std::string::npos;
  }
  return read_back;
}

TEST_F(EvalJobsTest, LinearEvalFillsEveryCellAndWritesReports) {
  v1::JobSpec spec;
  spec.set_seed(3);
  auto* c = spec.mutable_linear_eval();
  SetData(c->mutable_data(), 800);
  *c->add_subjects()->mutable_random_init() = SmallCnn();
  c->add_subjects()->mutable_raw_pixels();
  c->mutable_protocol()->add_label_fractions(1.0);
  c->mutable_protocol()->add_label_fractions(0.2);
  c->mutable_protocol()->set_repeats(2);
  c->mutable_classifier()->add_c_grid(0.01);
  c->mutable_classifier()->add_c_grid(1);
  c->mutable_classifier()->set_cv_folds(3);
  CollectingSink sink;
  ASSERT_THAT(RunLinearEval(spec, Run(), sink), IsOk());
  auto report = ReadEvalReport(Run().job_dir + "/report.json");
  ASSERT_THAT(report.status(), IsOk());
  ASSERT_EQ(report->results_size(), 4);
  // A stratified quarter of 800 is the test split (rounded per class).
  EXPECT_NEAR(report->test_examples(), 200, 10);
  EXPECT_EQ(report->train_examples() + report->test_examples(), 800);
  for (const auto& cell : report->results()) {
    EXPECT_EQ(cell.top1_runs_size(), 2);
    EXPECT_EQ(cell.chosen_c_size(), 2);
    // Ten classes: chance is 0.1; pixels of Fashion-MNIST do far better.
    EXPECT_GT(cell.top1_mean(), 0.4) << cell.subject() << " " << cell.label_fraction();
    int64_t total = 0;
    for (const int64_t n : cell.confusion().counts()) total += n;
    EXPECT_EQ(total, 2 * report->test_examples());
  }
  EXPECT_EQ(report->results(1).subject(), "raw pixels");
  EXPECT_NEAR(report->results(2).train_examples(),
              0.2 * report->train_examples(), 5);
  std::ifstream md(Run().job_dir + "/report.md");
  std::stringstream text;
  text << md.rdbuf();
  EXPECT_THAT(text.str(), HasSubstr("| 20 % | linear |"));
  int results = 0;
  for (const auto& e : sink.events()) results += e.has_eval_result();
  EXPECT_EQ(results, 4);
}

TEST_F(EvalJobsTest, LinearEvalOfACheckpointUsesItsInputAndCachesFeatures) {
  // A one-epoch pretraining gives a real checkpoint folder.
  v1::JobSpec pretrain;
  auto* p = pretrain.mutable_pretrain();
  SetData(p->mutable_data(), 128);
  *p->mutable_encoder()->mutable_builtin() = SmallCnn();
  p->set_batch_size(32);
  p->set_epochs(1);
  JobRun pretrain_run;
  pretrain_run.job_dir = dir_.path() + "/pretrain";
  CollectingSink ignored;
  ASSERT_THAT(RunPretraining(pretrain, pretrain_run, ignored), IsOk());

  v1::JobSpec spec;
  auto* c = spec.mutable_linear_eval();
  SetData(c->mutable_data(), 300);
  c->add_subjects()->set_checkpoint_path(pretrain_run.job_dir +
                                         "/checkpoints/final");
  c->mutable_protocol()->add_label_fractions(1.0);
  c->mutable_protocol()->set_repeats(1);
  c->mutable_classifier()->add_c_grid(1);
  CollectingSink sink;
  ASSERT_THAT(RunLinearEval(spec, Run(), sink), IsOk());
  int cached = 0;
  for (const auto& e : std::filesystem::directory_iterator(Run().job_dir + "/features"))
    cached += e.path().extension() == ".pt";
  EXPECT_EQ(cached, 2);  // train and test features
  auto report = ReadEvalReport(Run().job_dir + "/report.json");
  ASSERT_THAT(report.status(), IsOk());
  EXPECT_EQ(report->results(0).subject(), "SimCLR");
}

// A resumed linear evaluation reads its finished runs back, extracts the
// features only of subjects with runs left, and reports the same table.
TEST_F(EvalJobsTest, LinearEvalResumeSkipsFinishedRunsAndReportsTheSame) {
  v1::JobSpec spec;
  spec.set_seed(5);
  auto* c = spec.mutable_linear_eval();
  SetData(c->mutable_data(), 400);
  *c->add_subjects()->mutable_random_init() = SmallCnn();
  c->add_subjects()->mutable_raw_pixels();
  c->mutable_protocol()->add_label_fractions(1.0);
  c->mutable_protocol()->add_label_fractions(0.5);
  c->mutable_protocol()->set_repeats(2);
  c->mutable_classifier()->add_c_grid(0.1);
  c->mutable_classifier()->add_c_grid(10);
  c->mutable_classifier()->set_cv_folds(3);
  c->set_cache_features(false);
  const JobRun run = Run();
  CollectingSink whole_events;
  ASSERT_THAT(RunLinearEval(spec, run, whole_events), IsOk());
  auto whole = ReadEvalReport(run.job_dir + "/report.json");
  ASSERT_THAT(whole.status(), IsOk());

  // The header, the first subject's four runs and one of raw pixels', as
  // if the job had stopped during its sixth run.
  ASSERT_EQ(KeepFirstLines(run.job_dir + "/finished_runs.jsonl", 6), 9u);
  JobRun resumed_run = run;
  resumed_run.resume = true;
  CollectingSink resumed_events;
  ASSERT_THAT(RunLinearEval(spec, resumed_run, resumed_events), IsOk());
  auto resumed = ReadEvalReport(run.job_dir + "/report.json");
  ASSERT_THAT(resumed.status(), IsOk());
  ExpectSameCells(*whole, *resumed);
  const auto extracted = [](const CollectingSink& sink) {
    std::vector<std::string> subjects;
    for (const auto& e : sink.events()) {
      const std::string& m = e.log().message();
      if (m.find("-dimensional features of") != std::string::npos) {
        subjects.push_back(m.substr(0, m.find(':')));
      }
    }
    return subjects;
  };
  EXPECT_THAT(extracted(whole_events), ::testing::ElementsAre("random-init", "raw pixels"));
  EXPECT_THAT(extracted(resumed_events), ::testing::ElementsAre("raw pixels"));
  EXPECT_EQ(RunsReadBack(resumed_events), 5);

  // Resuming with another spec is refused rather than mixing results.
  c->mutable_protocol()->set_repeats(3);
  CollectingSink other_events;
  EXPECT_THAT(RunLinearEval(spec, resumed_run, other_events),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("different spec")));
}

TEST_F(EvalJobsTest, FinetuneRunsItsRoundsAndReports) {
  v1::JobSpec spec;
  spec.set_seed(5);
  auto* c = spec.mutable_finetune();
  SetData(c->mutable_data(), 400);
  *c->add_subjects()->mutable_random_init() = SmallCnn();
  c->mutable_protocol()->add_label_fractions(0.5);
  c->mutable_protocol()->set_repeats(2);
  c->set_batch_size(32);
  auto* head_only = c->add_unfreeze_rounds();
  head_only->set_unfrozen_layers(0);
  head_only->set_learning_rate(1e-2);
  head_only->set_epochs(1);
  auto* all = c->add_unfreeze_rounds();
  all->set_unfrozen_layers(-1);
  all->set_learning_rate(1e-3);
  all->set_epochs(2);
  CollectingSink sink;
  ASSERT_THAT(RunFinetune(spec, Run(), sink), IsOk());
  auto report = ReadEvalReport(Run().job_dir + "/report.json");
  ASSERT_THAT(report.status(), IsOk());
  ASSERT_EQ(report->results_size(), 1);
  const auto& cell = report->results(0);
  EXPECT_EQ(cell.classifier(), "finetune");
  ASSERT_EQ(cell.epochs_run_size(), 2);
  EXPECT_GE(cell.epochs_run(0), 1);
  EXPECT_LE(cell.epochs_run(0), 3);
  EXPECT_GT(cell.top1_mean(), 0.2);  // above chance (0.1) after 3 epochs
  int epochs = 0, curves = 0;
  for (const auto& e : sink.events()) {
    epochs += e.has_epoch_summary();
    if (e.has_epoch_summary()) {
      EXPECT_TRUE(e.epoch_summary().has_val_top1());
      EXPECT_GE(e.epoch_summary().val_top1(), 0);
      EXPECT_LE(e.epoch_summary().val_top1(), 1);
    }
    curves += e.has_artifact() && e.artifact().path() == kFinetuneCurvesPng;
  }
  EXPECT_EQ(epochs, cell.epochs_run(0) + cell.epochs_run(1));
  EXPECT_EQ(curves, 2);  // redrawn after each run
  EXPECT_TRUE(std::filesystem::is_regular_file(Run().job_dir + "/" + kFinetuneCurvesPng));
  EXPECT_EQ(cell.epoch_history_size(), 0);  // the runs' curves stay out of the table
}

// A 25 % subset trains as many steps as the whole pool by default, and a
// quarter of them with equal_steps_per_fraction off (one pass per epoch).
TEST_F(EvalJobsTest, FinetuneGivesSmallFractionsTheStepsOfTheWholePool) {
  for (const bool equal_steps : {true, false}) {
    SCOPED_TRACE(equal_steps ? "equal steps" : "one pass per epoch");
    v1::JobSpec spec;
    spec.set_seed(5);
    auto* c = spec.mutable_finetune();
    SetData(c->mutable_data(), 400);
    *c->add_subjects()->mutable_random_init() = SmallCnn();
    c->mutable_protocol()->add_label_fractions(1.0);
    c->mutable_protocol()->add_label_fractions(0.25);
    c->mutable_protocol()->set_repeats(1);
    c->set_batch_size(16);
    c->mutable_early_stopping()->set_enabled(false);
    if (!equal_steps) c->set_equal_steps_per_fraction(false);
    auto* round = c->add_unfreeze_rounds();
    round->set_unfrozen_layers(-1);
    round->set_learning_rate(1e-3);
    round->set_epochs(2);
    CollectingSink sink;
    JobRun run = Run();
    run.job_dir += equal_steps ? "_equal" : "_pass";
    ASSERT_THAT(RunFinetune(spec, run, sink), IsOk());
    auto report = ReadEvalReport(run.job_dir + "/report.json");
    ASSERT_THAT(report.status(), IsOk());
    ASSERT_EQ(report->results_size(), 2);
    const auto& full = report->results(0);
    const auto& quarter = report->results(1);
    ASSERT_EQ(full.steps_run_size(), 1);
    ASSERT_EQ(quarter.steps_run_size(), 1);
    EXPECT_EQ(full.epochs_run(0), 2);
    EXPECT_EQ(quarter.epochs_run(0), 2);
    // Two epochs of batches of 16; a last batch of one is skipped (BatchNorm).
    const auto steps = [](int64_t examples) {
      return 2 * (examples / 16 + (examples % 16 >= 2 ? 1 : 0));
    };
    EXPECT_EQ(full.steps_run(0), steps(full.train_examples()));
    EXPECT_EQ(quarter.steps_run(0), equal_steps
                                        ? full.steps_run(0)
                                        : steps(quarter.train_examples()));
  }
}

// A resumed fine-tuning job reruns only the runs that had not finished,
// and its report equals the uninterrupted job's.
TEST_F(EvalJobsTest, FinetuneResumeSkipsFinishedRunsAndReportsTheSame) {
  v1::JobSpec spec;
  spec.set_seed(7);
  auto* c = spec.mutable_finetune();
  SetData(c->mutable_data(), 300);
  *c->add_subjects()->mutable_random_init() = SmallCnn();
  c->mutable_protocol()->add_label_fractions(1.0);
  c->mutable_protocol()->add_label_fractions(0.5);
  c->mutable_protocol()->set_repeats(2);
  c->set_batch_size(32);
  auto* round = c->add_unfreeze_rounds();
  round->set_unfrozen_layers(-1);
  round->set_learning_rate(1e-3);
  round->set_epochs(1);
  const JobRun run = Run();
  CollectingSink whole_events;
  ASSERT_THAT(RunFinetune(spec, run, whole_events), IsOk());
  auto whole = ReadEvalReport(run.job_dir + "/report.json");
  ASSERT_THAT(whole.status(), IsOk());

  // Keep the header and the first two of the four runs, as if the job had
  // been stopped during its third run.
  ASSERT_EQ(KeepFirstLines(run.job_dir + "/finished_runs.jsonl", 3), 5u);
  JobRun resumed_run = run;
  resumed_run.resume = true;
  CollectingSink resumed_events;
  ASSERT_THAT(RunFinetune(spec, resumed_run, resumed_events), IsOk());
  auto resumed = ReadEvalReport(run.job_dir + "/report.json");
  ASSERT_THAT(resumed.status(), IsOk());
  ExpectSameCells(*whole, *resumed);
  // Only the last two runs trained: the first two were read back.
  const auto count_epochs = [](const CollectingSink& sink) {
    int epochs = 0;
    for (const auto& e : sink.events()) epochs += e.has_epoch_summary();
    return epochs;
  };
  EXPECT_EQ(count_epochs(whole_events), 4);
  EXPECT_EQ(count_epochs(resumed_events), 2);
  EXPECT_EQ(RunsReadBack(resumed_events), 2);

  // Resuming with another spec is refused rather than mixing results.
  c->mutable_protocol()->set_repeats(3);
  CollectingSink other_events;
  EXPECT_THAT(RunFinetune(spec, resumed_run, other_events),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("different spec")));
}

// A user encoder whose features overflow: the first loss is NaN.
TEST_F(EvalJobsTest, FinetuneDivergenceIsAClearError) {
  const std::string encoder = dir_.path() + "/overflowing.pt";
  const std::string script = dir_.path() + "/make_encoder.py";
  std::ofstream(script)
      << "import torch\n"
         "class Net(torch.nn.Module):\n"
         "    def __init__(self):\n"
         "        super().__init__()\n"
         "        self.fc = torch.nn.Linear(784, 8)\n"
         "    def forward(self, x):\n"
         "        return self.fc(torch.flatten(x, 1)) * float('inf')\n"
         "torch.jit.script(Net()).save('"
      << encoder << "')\n";
  auto python = simclr::testing::RunProcess({"/usr/bin/python3", script},
                                            absl::Seconds(180));
  ASSERT_THAT(python.status(), IsOk());
  ASSERT_EQ(python->exit_code, 0) << python->stderr_text;

  v1::JobSpec spec;
  auto* c = spec.mutable_finetune();
  SetData(c->mutable_data(), 200);
  c->add_subjects()->mutable_torchscript()->set_path(encoder);
  c->mutable_protocol()->add_label_fractions(1.0);
  c->mutable_protocol()->set_repeats(1);
  CollectingSink sink;
  EXPECT_THAT(RunFinetune(spec, Run(), sink),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("fine-tuning diverged: the loss is nan")));
}

TEST_F(EvalJobsTest, TsneWritesAPictureACsvAndItsTrustworthiness) {
  v1::JobSpec spec;
  auto* c = spec.mutable_tsne();
  SetData(c->mutable_data(), 0);
  c->mutable_subject()->mutable_raw_pixels();
  c->set_num_points(150);
  c->set_iterations(250);
  c->set_image_size(256);
  CollectingSink sink;
  ASSERT_THAT(RunTsneJob(spec, Run(), sink), IsOk());
  const std::string artifacts = Run().job_dir + "/artifacts";
  const cv::Mat png = cv::imread(artifacts + "/tsne.png");
  EXPECT_EQ(png.rows, 256);
  std::ifstream csv(artifacts + "/tsne.csv");
  std::string line;
  int lines = 0;
  while (std::getline(csv, line)) ++lines;
  EXPECT_EQ(lines, 151);
  std::ifstream report(Run().job_dir + "/report.json");
  std::stringstream text;
  text << report.rdbuf();
  EXPECT_THAT(text.str(), HasSubstr("\"trustworthiness_k10\""));
}

TEST_F(EvalJobsTest, BadSpecsNameTheField) {
  CollectingSink sink;
  v1::JobSpec spec;
  auto* f = spec.mutable_finetune();
  SetData(f->mutable_data(), 100);
  f->add_subjects()->mutable_raw_pixels();
  EXPECT_THAT(RunFinetune(spec, Run(), sink),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("finetune.subjects[0].raw_pixels")));

  spec.Clear();
  auto* l = spec.mutable_linear_eval();
  SetData(l->mutable_data(), 100);
  l->add_subjects()->mutable_raw_pixels();
  l->mutable_protocol()->add_label_fractions(1.5);
  EXPECT_THAT(RunLinearEval(spec, Run(), sink),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("linear_eval.protocol.label_fractions[0]")));
  l->mutable_protocol()->clear_label_fractions();
  l->add_subjects()->set_checkpoint_path("/nonexistent/checkpoint");
  EXPECT_THAT(RunLinearEval(spec, Run(), sink),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("linear_eval.subjects[1].checkpoint_path")));
  l->mutable_subjects(1)->set_checkpoint_id("ckpt-1");
  EXPECT_THAT(RunLinearEval(spec, Run(), sink),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("linear_eval.subjects[1].checkpoint_id")));

  spec.Clear();
  auto* t = spec.mutable_tsne();
  SetData(t->mutable_data(), 100);
  t->mutable_subject()->mutable_raw_pixels();
  t->set_num_points(40);
  t->set_perplexity(30);
  EXPECT_THAT(RunTsneJob(spec, Run(), sink),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("tsne.perplexity")));
}

}  // namespace
}  // namespace simclr::core
