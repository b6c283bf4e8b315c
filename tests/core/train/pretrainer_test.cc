#include "core/train/pretrainer.h"

#include <atomic>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "ATen/Parallel.h"
#include "absl/strings/str_split.h"
#include "core/common/sha256.h"
#include "core/train/training_curves.h"
#include "opencv2/imgcodecs.hpp"
#include "core/runtime/script_execution.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/json_util.h"
#include "gtest/gtest.h"
#include "simclr/v1/checkpoint.pb.h"
#include "tests/testing/job_dir_fixture.h"
#include "tests/testing/status_matchers.h"
#include "torch/script.h"
#include "torch/torch.h"

namespace simclr::core {
namespace {

using ::simclr::testing::IsOk;
using ::simclr::testing::StatusIs;
using ::testing::HasSubstr;

constexpr char kImages[] =
    "/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz";
constexpr char kLabels[] =
    "/usr/share/datasets/fashion-mnist/t10k-labels-idx1-ubyte.gz";

// A few seconds of real training on a Fashion-MNIST slice.
v1::JobSpec TinySpec(int epochs, int64_t examples = 384) {
  v1::JobSpec spec;
  spec.set_seed(7);
  auto* p = spec.mutable_pretrain();
  auto* local = p->mutable_data()->mutable_train()->mutable_local();
  local->set_format(v1::DATASET_FORMAT_IDX);
  local->set_path(kImages);
  local->set_labels_path(kLabels);
  p->mutable_data()->set_max_examples(examples);
  p->mutable_data()->set_val_fraction(0.25);
  p->mutable_data()->set_loader_threads(2);
  p->mutable_encoder()->mutable_builtin()->set_arch(v1::ARCHITECTURE_SMALL_CNN);
  p->mutable_encoder()->mutable_builtin()->set_width_multiplier(0.5f);
  p->set_batch_size(32);
  p->set_epochs(epochs);
  p->mutable_monitor()->set_log_every_steps(1);
  p->mutable_monitor()->set_knn_k(10);
  p->mutable_schedule()->mutable_warmup_cosine()->set_warmup_epochs(1);
  return spec;
}

std::vector<double> Losses(const std::vector<v1::JobEvent>& events) {
  std::vector<double> losses;
  for (const auto& e : events) {
    if (e.has_progress()) losses.push_back(e.progress().loss());
  }
  return losses;
}

// The (type, step) columns of a training_curves.csv.
std::vector<std::string> CurveSteps(const std::string& job_dir) {
  std::ifstream in(job_dir + "/" + kTrainingCurvesCsv);
  std::vector<std::string> rows;
  std::string line;
  while (std::getline(in, line)) {
    const std::vector<std::string> f = absl::StrSplit(line, ',');
    if (f.size() > 2) rows.push_back(f[0] + "@" + f[2]);
  }
  return rows;
}

using PretrainerTest = testing::JobDirTest;

TEST_F(PretrainerTest, LossFallsAndPositivesAreFoundAboveChance) {
  CollectingSink sink;
  ASSERT_THAT(RunPretraining(TinySpec(4), Run(), sink), IsOk());
  const auto events = sink.events();
  std::vector<v1::EpochSummary> epochs;
  double last_top1 = 0;
  for (const auto& e : events) {
    if (e.has_epoch_summary()) epochs.push_back(e.epoch_summary());
    if (e.has_progress()) last_top1 = e.progress().positive_pair_top1();
  }
  ASSERT_EQ(epochs.size(), 4u);
  EXPECT_LT(epochs.back().train_loss(), epochs.front().train_loss());
  EXPECT_TRUE(epochs.back().has_val_loss());
  EXPECT_TRUE(epochs.back().has_knn_top1());
  EXPECT_GT(epochs.back().knn_top1(), 0.3);  // 10 classes: chance 0.1
  EXPECT_GT(last_top1, 5.0 / 63);            // chance 1/63 with B = 32
}

TEST_F(PretrainerTest, CheckpointsHoldVerifiableFilesAndFollowRetention) {
  v1::JobSpec spec = TinySpec(3);
  spec.mutable_pretrain()->mutable_checkpoints()->set_keep_latest(1);
  CollectingSink sink;
  ASSERT_THAT(RunPretraining(spec, Run(), sink), IsOk());
  const auto root = std::filesystem::path(dir_.path()) / "job" / "checkpoints";
  int folders = 0;
  for (const auto& entry : std::filesystem::directory_iterator(root)) {
    if (!entry.is_symlink()) ++folders;
  }
  EXPECT_LE(folders, 2);  // the latest, plus the best if it is another
  ASSERT_TRUE(std::filesystem::is_symlink(root / "best"));
  const auto latest = root / std::to_string(3 * 9);  // 288 images / 32
  std::ifstream in(latest / "meta.json");
  std::stringstream text;
  text << in.rdbuf();
  v1::Checkpoint meta;
  ASSERT_TRUE(
      google::protobuf::util::JsonStringToMessage(text.str(), &meta).ok());
  EXPECT_EQ(meta.step(), 27);
  EXPECT_EQ(meta.encoder().arch(), v1::ARCHITECTURE_SMALL_CNN);
  EXPECT_EQ(meta.encoder().feature_dim(), 64);
  EXPECT_EQ(meta.encoder().input().size(), 28);
  EXPECT_TRUE(meta.metrics().count("val_loss"));
  ASSERT_EQ(meta.files_size(), 2);
  for (const auto& file : meta.files()) {
    EXPECT_EQ(*Sha256OfFile((latest / file.name()).string()), file.sha256());
    EXPECT_EQ(std::filesystem::file_size(latest / file.name()),
              static_cast<uintmax_t>(file.size_bytes()));
  }
}

// A min_delta no epoch can beat makes epoch 0 the best and stops after
// epoch 1: the result is then the best checkpoint (step 9), or the last
// (step 18) when restore_best is off.
TEST_F(PretrainerTest, EarlyStoppingMarksTheBestOrTheLastAsFinal) {
  for (const bool restore : {true, false}) {
    testing::TempDir dir;
    v1::JobSpec spec = TinySpec(5);
    auto* stop = spec.mutable_pretrain()->mutable_early_stopping();
    stop->set_enabled(true);
    stop->set_patience(1);
    stop->set_min_delta(1e6);
    stop->set_restore_best(restore);
    JobRun run;
    run.job_dir = dir.path() + "/job";
    CollectingSink sink;
    ASSERT_THAT(RunPretraining(spec, run, sink), IsOk());
    const auto root = std::filesystem::path(run.job_dir) / "checkpoints";
    EXPECT_EQ(std::filesystem::read_symlink(root / "best").string(), "9");
    EXPECT_EQ(std::filesystem::read_symlink(root / "final").string(),
              restore ? "9" : "18")
        << "restore_best " << restore;
    EXPECT_TRUE(std::filesystem::is_regular_file(root / "final" / "encoder.pt"));
  }
}

TEST_F(PretrainerTest, MixedPrecisionOnCpuTrainsInFloat32WithAWarning) {
  v1::JobSpec spec = TinySpec(1, 96);
  spec.mutable_pretrain()->set_mixed_precision(true);
  CollectingSink sink;
  ASSERT_THAT(RunPretraining(spec, Run(), sink), IsOk());
  bool warned = false;
  for (const auto& e : sink.events()) {
    if (e.has_log() && e.log().severity() == v1::LogLine::SEVERITY_WARNING)
      warned |= e.log().message().find("CUDA-only") != std::string::npos;
  }
  EXPECT_TRUE(warned);
}

// Stopping after step 7 (mid-epoch) and resuming gives exactly the loss
// curve of an uninterrupted run. Under the worker's CPU execution policy:
// with TorchScript's optimiser on, a freshly loaded module is profiled
// anew, its channels-last tensors meet other specialised graphs than the
// uninterrupted run's, and some steps' losses differ in the last bits.
TEST_F(PretrainerTest, ResumeAfterStopMatchesAnUninterruptedRun) {
  ConfigureScriptExecution(c10::Device(c10::DeviceType::CPU));
  CollectingSink whole;
  std::vector<std::string> whole_curves;
  {
    testing::TempDir other;
    JobRun run;
    run.job_dir = other.path() + "/job";
    ASSERT_THAT(RunPretraining(TinySpec(2), run, whole), IsOk());
    whole_curves = CurveSteps(run.job_dir);
  }

  // A sink that requests the stop once step 7 is reported.
  struct StopAt : CollectingSink {
    std::atomic<bool> stop{false};
    void Emit(v1::JobEvent event) override {
      if (event.has_progress() && event.progress().step() == 7) stop = true;
      CollectingSink::Emit(std::move(event));
    }
  } first;
  EXPECT_THAT(RunPretraining(TinySpec(2), Run(false, &first.stop), first),
              StatusIs(absl::StatusCode::kAborted, HasSubstr("step 7")));
  CollectingSink second;
  ASSERT_THAT(RunPretraining(TinySpec(2), Run(true), second), IsOk());

  std::vector<double> stitched = Losses(first.events());
  for (double loss : Losses(second.events())) stitched.push_back(loss);
  const std::vector<double> expected = Losses(whole.events());
  ASSERT_EQ(stitched.size(), expected.size());
  for (size_t i = 0; i < expected.size(); ++i) {
    EXPECT_DOUBLE_EQ(stitched[i], expected[i]) << "step " << i + 1;
  }
  // The resumed run's curves hold every step once, as the whole run's do.
  EXPECT_EQ(CurveSteps(Run().job_dir), whole_curves);
  EXPECT_EQ(whole_curves.size(), Losses(whole.events()).size() + 2 + 1);  // + epochs, header
}

TEST_F(PretrainerTest, RedrawsItsCurvesAtEveryEpochEnd) {
  CollectingSink sink;
  ASSERT_THAT(RunPretraining(TinySpec(2), Run(), sink), IsOk());
  int pictures = 0, tables = 0;
  for (const auto& e : sink.events()) {
    if (!e.has_artifact()) continue;
    pictures += e.artifact().path() == kTrainingCurvesPng;
    tables += e.artifact().path() == kTrainingCurvesCsv;
    if (e.artifact().path() == kTrainingCurvesPng) {
      EXPECT_EQ(e.artifact().media_type(), "image/png");
      EXPECT_GT(e.artifact().size_bytes(), 10000);
    }
  }
  EXPECT_EQ(pictures, 2);
  EXPECT_EQ(tables, 2);
  const cv::Mat image = cv::imread(Run().job_dir + "/" + kTrainingCurvesPng);
  ASSERT_FALSE(image.empty());
  EXPECT_EQ(image.cols, 2 * 720);
}

TEST_F(PretrainerTest, NonFiniteLossStopsWithAClearError) {
  v1::JobSpec spec = TinySpec(1);
  spec.mutable_pretrain()->set_temperature(1e-300);  // logits overflow
  CollectingSink sink;
  EXPECT_THAT(
      RunPretraining(spec, Run(), sink),
      StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("at step 0")));
}

// One step of 48 images: BatchNorm's running statistics come from that
// step's forward of the two views alone, so they are the same with small
// crops as without, though the crops change the loss and so the weights.
TEST_F(PretrainerTest, SmallCropsTrainButLeaveBatchNormStatisticsToTheViews) {
  auto spec_with = [](int crops) {
    v1::JobSpec spec = TinySpec(1, 64);
    spec.mutable_pretrain()->set_batch_size(48);
    spec.mutable_pretrain()->mutable_multi_crop()->set_count(crops);
    return spec;
  };
  CollectingSink plain_sink, multi_sink;
  JobRun plain = Run();
  ASSERT_THAT(RunPretraining(spec_with(0), plain, plain_sink), IsOk());
  JobRun multi = Run();
  multi.job_dir = dir_.path() + "/multi";
  ASSERT_THAT(RunPretraining(spec_with(2), multi, multi_sink), IsOk());
  ASSERT_EQ(Losses(multi_sink.events()).size(), 1u);
  EXPECT_NE(Losses(multi_sink.events())[0], Losses(plain_sink.events())[0]);
  auto buffers_of = [](const std::string& job_dir, bool parameters) {
    const auto encoder = torch::jit::load(job_dir + "/checkpoints/final/encoder.pt");
    std::vector<std::pair<std::string, torch::Tensor>> named;
    if (parameters) {
      for (const auto& p : encoder.named_parameters()) named.emplace_back(p.name, p.value);
    } else {
      for (const auto& b : encoder.named_buffers()) named.emplace_back(b.name, b.value);
    }
    return named;
  };
  const auto a = buffers_of(plain.job_dir, false);
  const auto b = buffers_of(multi.job_dir, false);
  ASSERT_GT(a.size(), 0u);
  ASSERT_EQ(a.size(), b.size());
  bool moved = false;
  for (size_t i = 0; i < a.size(); ++i) {
    EXPECT_TRUE(torch::allclose(a[i].second, b[i].second, 1e-5, 1e-6)) << a[i].first;
    if (a[i].first.find("running_var") != std::string::npos)
      moved = moved || !torch::allclose(a[i].second, torch::ones_like(a[i].second));
  }
  EXPECT_TRUE(moved) << "the step updated no running variance";
  bool weights_differ = false;
  const auto pa = buffers_of(plain.job_dir, true);
  const auto pb = buffers_of(multi.job_dir, true);
  for (size_t i = 0; i < pa.size(); ++i)
    weights_differ = weights_differ || !torch::equal(pa[i].second, pb[i].second);
  EXPECT_TRUE(weights_differ);
}

TEST_F(PretrainerTest, BadSpecsFailBeforeTraining) {
  CollectingSink sink;
  v1::JobSpec spec = TinySpec(1);
  spec.mutable_pretrain()->set_batch_size(1);
  EXPECT_THAT(RunPretraining(spec, Run(), sink),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("pretrain.batch_size")));
  spec = TinySpec(1);
  spec.mutable_pretrain()->mutable_early_stopping()->set_enabled(true);
  spec.mutable_pretrain()->mutable_checkpoints()->set_keep_best(false);
  EXPECT_THAT(RunPretraining(spec, Run(), sink),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("early_stopping.restore_best")));
  spec = TinySpec(1);
  spec.mutable_pretrain()
      ->mutable_data()
      ->mutable_train()
      ->mutable_local()
      ->set_path("/nonexistent.gz");
  EXPECT_THAT(
      RunPretraining(spec, Run(), sink),
      StatusIs(absl::StatusCode::kNotFound, HasSubstr("/nonexistent.gz")));
  spec = TinySpec(1);
  spec.mutable_pretrain()->mutable_data()->mutable_train()->set_dataset_id(
      "ds-1");
  EXPECT_THAT(
      RunPretraining(spec, Run(), sink),
      StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("ds-1")));
  spec = TinySpec(1);
  spec.mutable_pretrain()->mutable_multi_crop()->set_count(2);
  spec.mutable_pretrain()->mutable_multi_crop()->set_size(29);  // the input is 28
  EXPECT_THAT(RunPretraining(spec, Run(), sink),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("pretrain.multi_crop.size: 29 is above the input size 28")));
  EXPECT_TRUE(Losses(sink.events()).empty());
}

}  // namespace
}  // namespace simclr::core
