// The real simclr-worker binary on job files.
#include <signal.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>

#include "core/common/event_sink.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/e2e/simclrd_process.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/subprocess.h"

namespace simclr {
namespace {

using ::simclr::testing::IsOk;
using ::simclr::testing::RunProcess;
using ::simclr::testing::TestWorkDir;
using ::testing::HasSubstr;

std::string ExampleJob(const std::string& name) {
  return std::string(std::getenv("SIMCLR_SOURCE_DIR")) + "/examples/jobs/" +
         name;
}

TEST(SimclrWorkerTest, ValidatePrintsTheCanonicalSpec) {
  auto result = RunProcess({SIMCLR_WORKER_PATH, "validate", "--spec",
                            ExampleJob("fashion_mnist_pretrain.json")},
                           absl::Seconds(30));
  ASSERT_THAT(result, IsOk());
  EXPECT_EQ(result->exit_code, 0) << result->stderr_text;
  EXPECT_THAT(result->stdout_text, HasSubstr("\"pretrain\""));
  EXPECT_THAT(result->stdout_text, HasSubstr("train-images-idx3-ubyte.gz"));
}

TEST(SimclrWorkerTest, MalformedSpecFailsNamingTheFile) {
  const std::string path = TestWorkDir() + "/bad.json";
  std::ofstream(path) << R"({"pretrain": {"batch_size": "many"}})";
  auto result = RunProcess({SIMCLR_WORKER_PATH, "validate", "--spec", path},
                           absl::Seconds(30));
  ASSERT_THAT(result, IsOk());
  EXPECT_EQ(result->exit_code, 1);
  EXPECT_THAT(result->stderr_text, HasSubstr(path));
}

TEST(SimclrWorkerTest, SpecWithoutAKindFails) {
  const std::string path = TestWorkDir() + "/empty.json";
  std::ofstream(path) << R"({"display_name": "nothing to do"})";
  auto result = RunProcess({SIMCLR_WORKER_PATH, "validate", "--spec", path},
                           absl::Seconds(30));
  ASSERT_THAT(result, IsOk());
  EXPECT_EQ(result->exit_code, 1);
  EXPECT_THAT(result->stderr_text, HasSubstr("kind: set one of"));
}

std::string TinySpecFile(const std::string& dir, int epochs) {
  const std::string path = dir + "/spec.json";
  std::ofstream(path) << R"({"seed": 2, "pretrain": {
    "data": {"train": {"local": {"format": "DATASET_FORMAT_IDX",
      "path": "/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz",
      "labels_path": "/usr/share/datasets/fashion-mnist/t10k-labels-idx1-ubyte.gz"}},
      "max_examples": 320, "val_fraction": 0.2},
    "encoder": {"builtin": {"arch": "ARCHITECTURE_SMALL_CNN", "width_multiplier": 0.5}},
    "batch_size": 32, "epochs": )" +
                             std::to_string(epochs) + R"(,
    "monitor": {"log_every_steps": 1, "knn_every_epochs": 0}}})";
  return path;
}

absl::StatusOr<std::vector<v1::JobEvent>> EventsIn(const std::string& bytes) {
  std::istringstream in(bytes);
  return core::ReadDelimitedEvents(in);
}

// `run` checks the spec with the validator simclrd uses, and reports a
// failure as a typed last event naming the field, then exits 1.
TEST(SimclrWorkerTest, RunOfAnInvalidSpecEndsWithATypedFailureEvent) {
  const std::string dir = TestWorkDir();
  std::string spec_path = TinySpecFile(dir, 1);
  std::string json;
  {
    std::ifstream in(spec_path);
    json.assign(std::istreambuf_iterator<char>(in), {});
  }
  json.replace(json.find(R"("batch_size": 32)"), 16,
               R"("batch_size": 32, "temperature": 0)");
  std::ofstream(spec_path) << json;
  auto result = RunProcess({SIMCLR_WORKER_PATH, "run", "--spec", spec_path,
                            "--job_dir", dir + "/job"},
                           absl::Seconds(60));
  ASSERT_THAT(result, IsOk());
  EXPECT_EQ(result->exit_code, 1);
  auto events = EventsIn(result->stdout_text);
  ASSERT_THAT(events, IsOk());
  ASSERT_FALSE(events->empty());
  ASSERT_TRUE(events->back().has_failure());
  const v1::JobFailure& failure = events->back().failure();
  EXPECT_EQ(failure.code(), static_cast<int>(absl::StatusCode::kInvalidArgument));
  EXPECT_EQ(failure.field(), "pretrain.temperature");
  EXPECT_THAT(failure.message(), HasSubstr("pretrain.temperature: 0 is outside (0, 10]"));
  std::filesystem::remove_all(dir);
}

TEST(SimclrWorkerTest, RunWritesDelimitedEventsAndACheckpoint) {
  const std::string dir = TestWorkDir();
  auto result =
      RunProcess({SIMCLR_WORKER_PATH, "--num_threads", "1", "run", "--spec",
                  TinySpecFile(dir, 1), "--job_dir", dir + "/job"},
                 absl::Seconds(120));
  ASSERT_THAT(result, IsOk());
  ASSERT_EQ(result->exit_code, 0) << result->stderr_text;
  auto events = EventsIn(result->stdout_text);  // stdout is a pipe: delimited
  ASSERT_THAT(events, IsOk());
  int progress = 0, checkpoints = 0;
  for (const auto& event : *events) {
    progress += event.has_progress();
    checkpoints += event.has_checkpoint();
  }
  EXPECT_EQ(progress, 8);  // 256 training images / 32
  EXPECT_EQ(checkpoints, 1);
  EXPECT_TRUE(std::filesystem::exists(dir + "/job/checkpoints/8/encoder.pt"));

  // The checkpoint's encoder.pt in real PyTorch gives the C++ features.
  auto features = RunProcess(
      {SIMCLR_WORKER_PATH, "--num_threads", "1", "features", "--checkpoint",
       dir + "/job/checkpoints/8", "--spec", dir + "/spec.json", "--count",
       "40", "--out", dir + "/features.npy"},
      absl::Seconds(120));
  ASSERT_THAT(features, IsOk());
  ASSERT_EQ(features->exit_code, 0) << features->stderr_text;
  auto python =
      RunProcess({"/usr/bin/python3",
                  std::string(std::getenv("SIMCLR_SOURCE_DIR")) +
                      "/examples/python/check_encoder.py",
                  dir + "/job/checkpoints/8",
                  "/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz",
                  dir + "/features.npy"},
                 absl::Seconds(120));
  ASSERT_THAT(python, IsOk());
  EXPECT_EQ(python->exit_code, 0) << python->stdout_text << python->stderr_text;
  EXPECT_THAT(python->stdout_text, HasSubstr("OK: torch.jit.load"));
}

// An evaluation through the binary: a linear probe of the checkpoint a
// tiny pretraining wrote, against raw pixels, then `table` over its report.
TEST(SimclrWorkerTest, LinearEvalOfAPretrainedCheckpointAndItsTable) {
  const std::string dir = TestWorkDir();
  auto pretrain =
      RunProcess({SIMCLR_WORKER_PATH, "--num_threads", "1", "run", "--spec",
                  TinySpecFile(dir, 1), "--job_dir", dir + "/pretrain"},
                 absl::Seconds(120));
  ASSERT_THAT(pretrain, IsOk());
  ASSERT_EQ(pretrain->exit_code, 0) << pretrain->stderr_text;
  const std::string spec = dir + "/linear.json";
  std::ofstream(spec) << R"({"seed": 4, "linear_eval": {
    "data": {"train": {"local": {"format": "DATASET_FORMAT_IDX",
      "path": "/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz",
      "labels_path": "/usr/share/datasets/fashion-mnist/t10k-labels-idx1-ubyte.gz"}},
      "max_examples": 500},
    "subjects": [{"checkpoint_path": "pretrain/checkpoints/final"},
                 {"raw_pixels": {}}],
    "protocol": {"label_fractions": [1.0, 0.5], "repeats": 2},
    "classifier": {"c_grid": [0.1, 10], "cv_folds": 3}}})";
  auto eval = RunProcess({SIMCLR_WORKER_PATH, "--num_threads", "1", "run",
                          "--spec", spec, "--job_dir", dir + "/linear"},
                         absl::Seconds(120));
  ASSERT_THAT(eval, IsOk());
  ASSERT_EQ(eval->exit_code, 0) << eval->stderr_text;
  auto events = EventsIn(eval->stdout_text);
  ASSERT_THAT(events, IsOk());
  int results = 0;
  for (const auto& event : *events) results += event.has_eval_result();
  EXPECT_EQ(results, 4);
  auto table = RunProcess(
      {SIMCLR_WORKER_PATH, "table", dir + "/linear/report.json"},
      absl::Seconds(30));
  ASSERT_THAT(table, IsOk());
  ASSERT_EQ(table->exit_code, 0) << table->stderr_text;
  EXPECT_THAT(table->stdout_text,
              HasSubstr("| labels | classifier | SimCLR | raw pixels |"));
  EXPECT_THAT(table->stdout_text, HasSubstr("| 50 % | linear |"));
}

TEST(SimclrWorkerTest, TableOfAFileThatIsNoReportFails) {
  const std::string path = TestWorkDir() + "/not_a_report.json";
  std::ofstream(path) << "[1, 2]";
  auto result =
      RunProcess({SIMCLR_WORKER_PATH, "table", path}, absl::Seconds(30));
  ASSERT_THAT(result, IsOk());
  EXPECT_EQ(result->exit_code, 1);
  EXPECT_THAT(result->stderr_text, HasSubstr("not an EvalReport"));
}

// SIGTERM: the worker checkpoints and exits 75; resume finishes the job.
TEST(SimclrWorkerTest, SigtermCheckpointsAndResumeFinishes) {
  const std::string dir = TestWorkDir();
  const std::string spec = TinySpecFile(dir, 30);
  const std::string events_path = dir + "/events.bin";
  auto worker = testing::ChildProcess::Start(
      {SIMCLR_WORKER_PATH, "--num_threads", "1", "run", "--spec", spec,
       "--job_dir", dir + "/job"},
      events_path, dir + "/stderr.log");
  ASSERT_THAT(worker, IsOk());
  // Wait for training to be under way, then ask it to stop.
  auto size = [&] {
    std::error_code error;
    const auto bytes = std::filesystem::file_size(events_path, error);
    return error ? 0 : bytes;
  };
  for (int i = 0; i < 600 && size() < 200; ++i) usleep(50 * 1000);
  ASSERT_GE(size(), 200u) << testing::ReadFileOrEmpty(dir + "/stderr.log");
  ASSERT_TRUE(worker->Signal(SIGTERM));
  auto stopped = worker->Wait(absl::Seconds(60));
  ASSERT_THAT(stopped, IsOk());
  EXPECT_EQ(stopped->exit_code, 75)
      << testing::ReadFileOrEmpty(dir + "/stderr.log");
  auto events = EventsIn(testing::ReadFileOrEmpty(events_path));
  ASSERT_THAT(events, IsOk());
  int64_t last_step = 0;
  for (const auto& event : *events) {
    if (event.has_checkpoint()) last_step = event.checkpoint().step();
  }
  ASSERT_GT(last_step, 0);
  ASSERT_LT(last_step, 240);

  auto resumed = RunProcess({SIMCLR_WORKER_PATH, "--num_threads", "1", "resume",
                             "--spec", spec, "--job_dir", dir + "/job"},
                            absl::Seconds(300));
  ASSERT_THAT(resumed, IsOk());
  ASSERT_EQ(resumed->exit_code, 0) << resumed->stderr_text;
  EXPECT_THAT(resumed->stdout_text, HasSubstr("resumed from"));
  EXPECT_TRUE(std::filesystem::exists(dir + "/job/checkpoints/240/encoder.pt"));
}

TEST(SimclrWorkerTest, MissingSpecFlagIsUsageError) {
  auto result = RunProcess({SIMCLR_WORKER_PATH, "validate"}, absl::Seconds(30));
  ASSERT_THAT(result, IsOk());
  EXPECT_EQ(result->exit_code, 2);
  EXPECT_THAT(result->stderr_text, HasSubstr("--spec"));
}

}  // namespace
}  // namespace simclr
