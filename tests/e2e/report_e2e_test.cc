// The report job through the real binaries: an uploaded Fashion-MNIST
// slice and an RGB class-folder archive each run the ancestor's protocol as
// one `simclrctl report submit --watch`; every step is a job of its own,
// every artifact of the report downloads with its SHA-256, and the report's
// table holds exactly the numbers the steps' EvalResult events carried.
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <tuple>
#include <sstream>
#include <string>

#include "absl/strings/str_cat.h"
#include "client/channel.h"
#include "client/dataset_client.h"
#include "client/job_client.h"
#include "core/common/job_spec_json.h"
#include "core/common/sha256.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/json_util.h"
#include "gtest/gtest.h"
#include "tests/e2e/simclrd_process.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/subprocess.h"

namespace simclr {
namespace {

using ::simclr::testing::ExpectCleanStop;
using ::simclr::testing::IsOk;
using ::simclr::testing::RunSimclrctl;
using ::simclr::testing::SimclrdProcess;
using ::simclr::testing::TestWorkDir;
using ::testing::HasSubstr;
namespace fs = std::filesystem;

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream bytes;
  bytes << in.rdbuf();
  return bytes.str();
}

// A small protocol: two pretraining epochs, two label fractions × two
// repeats, one fine-tuning round, small t-SNE maps.
// `report_extra`: more fields of the report, each followed by a comma.
std::string SmallReportSpec(int size, int channels, bool finetune,
                            const std::string& report_extra = "") {
  std::string mean, std;
  for (int c = 0; c < channels; ++c) {
    absl::StrAppend(&mean, c ? ", " : "", "0.5");
    absl::StrAppend(&std, c ? ", " : "", "0.25");
  }
  const std::string input = absl::StrCat(R"({"size": )", size, R"(, "channels": )", channels,
                                         R"(, "mean": [)", mean, R"(], "std": [)", std, "]}");
  return absl::StrCat(R"({"display_name": "small report", "seed": 3, "num_threads": 1,
    "report": {)", report_extra, R"("data": {"max_examples": 600, "val_fraction": 0.1, "test_fraction": 0.25},
      "pretrain": {"encoder": {"builtin": {"arch": "ARCHITECTURE_SMALL_CNN", "width_multiplier": 0.5}},
        "input": )", input, R"(, "batch_size": 64, "epochs": 2,
        "monitor": {"log_every_steps": 2, "knn_k": 10, "knn_bank_size": 100}},
      "protocol": {"label_fractions": [1.0, 0.2], "repeats": 2},
      "skip_finetune": )", finetune ? "false" : "true", R"(,
      "finetune": {"batch_size": 64, "unfreeze_rounds": [{"unfrozen_layers": -1, "learning_rate": 0.001, "epochs": 1}]},
      "tsne": {"num_points": 150, "iterations": 250, "image_size": 512}}})");
}

// Every EvalResult a job's watch stream carries, by (classifier, subject, fraction).
std::map<std::tuple<std::string, std::string, double>, v1::EvalResult> EvalEvents(
    client::JobClient& jobs, const std::string& job_id) {
  std::map<std::tuple<std::string, std::string, double>, v1::EvalResult> cells;
  EXPECT_THAT(jobs.Watch(job_id, 0, [&](const v1::JobEvent& e) {
    if (e.has_eval_result()) {
      const auto& r = e.eval_result();
      cells[{r.classifier(), r.subject(), r.label_fraction()}] = r;
    }
  }), IsOk());
  return cells;
}

class ReportTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = TestWorkDir();
    auto server = SimclrdProcess::Start(dir_, {"--max_concurrent_jobs=2", "--worker_threads=1"});
    ASSERT_THAT(server, IsOk());
    server_.emplace(std::move(server).value());
  }
  void TearDown() override {
    if (server_) ExpectCleanStop(*server_);
  }

  // Submits the spec on `dataset_id`, watches it to its end and downloads
  // the report; returns the report's job.
  v1::Job RunReport(const std::string& dataset_id, const std::string& spec_json,
                    const std::vector<std::string>& more_args = {}) {
    const std::string spec_path = dir_ + "/report.json";
    std::ofstream(spec_path) << spec_json;
    std::vector<std::string> args = {"report", "submit", "--dataset", dataset_id,
                                     "--spec",  spec_path, "--watch"};
    args.insert(args.end(), more_args.begin(), more_args.end());
    auto submitted = RunSimclrctl(*server_, args, absl::Minutes(10));
    EXPECT_EQ(submitted.exit_code, 0) << submitted.stdout_text << submitted.stderr_text
                                      << server_->log();
    const size_t at = submitted.stdout_text.find("job-");
    EXPECT_NE(at, std::string::npos) << submitted.stdout_text;
    const std::string id = submitted.stdout_text.substr(at, 16);
    auto job = client::JobClient(client::CreateChannel({server_->address()}), absl::Seconds(30))
                   .Get(id);
    EXPECT_THAT(job, IsOk());
    return job.ok() ? *job : v1::Job();
  }

  std::string dir_;
  std::optional<SimclrdProcess> server_;
};

TEST_F(ReportTest, AFashionMnistSliceGetsTheWholeTableAsOneJob) {
  client::DatasetClient datasets(client::CreateChannel({server_->address()}), absl::Seconds(60));
  auto dataset = datasets.UploadIdx("fashion-mnist t10k",
                                    "/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz",
                                    "/usr/share/datasets/fashion-mnist/t10k-labels-idx1-ubyte.gz",
                                    {});
  ASSERT_THAT(dataset, IsOk());
  const v1::Job report = RunReport(dataset->id(), SmallReportSpec(28, 1, true));
  ASSERT_EQ(report.state(), v1::JOB_STATE_SUCCEEDED) << report.error();
  ASSERT_EQ(report.steps_size(), 5);
  client::JobClient jobs(client::CreateChannel({server_->address()}), absl::Seconds(30));
  std::map<std::string, std::string> steps;
  for (const auto& step : report.steps()) {
    steps[step.name()] = step.job_id();
    auto job = jobs.Get(step.job_id());
    ASSERT_THAT(job, IsOk());
    EXPECT_EQ(job->state(), v1::JOB_STATE_SUCCEEDED) << step.name();
    EXPECT_EQ(job->parent_job_id(), report.id());
    EXPECT_EQ(job->step(), step.name());
  }
  // Every artifact downloads and matches its listed hash.
  const std::string out = dir_ + "/downloaded";
  auto downloaded = RunSimclrctl(*server_, {"artifacts", "download", report.id(), "-o", out});
  ASSERT_EQ(downloaded.exit_code, 0) << downloaded.stderr_text;
  auto listed = jobs.ListArtifacts(report.id());
  ASSERT_THAT(listed, IsOk());
  std::set<std::string> names;
  for (const auto& artifact : *listed) {
    names.insert(artifact.name());
    auto sha = core::Sha256OfFile(out + "/" + artifact.name());
    ASSERT_THAT(sha, IsOk()) << artifact.name();
    EXPECT_EQ(*sha, artifact.sha256()) << artifact.name();
  }
  for (const char* name : {"report.json", "report.md", "report.html", "artifacts/tsne_before.png",
                           "artifacts/tsne_after.png", "artifacts/training_curves.png",
                           "artifacts/finetune_curves.png",
                           "artifacts/confusion_linear_simclr.png"}) {
    EXPECT_TRUE(names.count(name)) << name;
  }
  // The report's cells are the steps' EvalResult events, number for number.
  auto linear = EvalEvents(jobs, steps.at("linear_eval"));
  auto finetune = EvalEvents(jobs, steps.at("finetune"));
  EXPECT_EQ(linear.size(), 6u);    // 2 fractions × (SimCLR, random-init, raw pixels)
  EXPECT_EQ(finetune.size(), 4u);  // 2 fractions × (SimCLR, random-init)
  const std::string json = ReadFile(out + "/report.json");
  for (const auto* events : {&linear, &finetune}) {
    for (const auto& [key, cell] : *events) {
      std::string number;
      google::protobuf::util::JsonPrintOptions options;
      options.preserve_proto_field_names = true;
      ASSERT_TRUE(google::protobuf::util::MessageToJsonString(cell, &number, options).ok());
      EXPECT_THAT(json, HasSubstr(number)) << std::get<0>(key) << " " << std::get<1>(key);
    }
  }
  const std::string html = ReadFile(out + "/report.html");
  EXPECT_THAT(html, HasSubstr("<table>"));
  EXPECT_THAT(html, HasSubstr("data:image/png;base64,"));
  const std::string md = ReadFile(out + "/report.md");
  EXPECT_THAT(md, HasSubstr("| labels | classifier | SimCLR | random-init | raw pixels |"));
}

TEST_F(ReportTest, AnRgbClassFolderArchiveGetsItsReportToo) {
  auto made = testing::RunProcess({"/usr/bin/python3",
                                   std::string(std::getenv("SIMCLR_SOURCE_DIR")) +
                                       "/tests/e2e/make_rgb_classes.py",
                                   dir_},
                                  absl::Seconds(60));
  ASSERT_THAT(made, IsOk());
  ASSERT_EQ(made->exit_code, 0) << made->stderr_text;
  client::DatasetClient datasets(client::CreateChannel({server_->address()}), absl::Seconds(60));
  auto dataset = datasets.UploadArchive("rgb classes", dir_ + "/rgb_classes.tar", true, 0);
  ASSERT_THAT(dataset, IsOk());
  EXPECT_EQ(dataset->channels(), 3);
  // Two pretraining seeds, pooled into one column.
  const v1::Job report =
      RunReport(dataset->id(), SmallReportSpec(16, 3, false), {"--pretrain_seeds", "4,5"});
  ASSERT_EQ(report.state(), v1::JOB_STATE_SUCCEEDED) << report.error();
  ASSERT_EQ(report.steps_size(), 5);  // two pretrainings, no fine-tuning
  client::JobClient jobs(client::CreateChannel({server_->address()}), absl::Seconds(30));
  for (const auto& [step, seed] : {std::pair{0, 4}, std::pair{1, 5}}) {
    EXPECT_EQ(report.steps(step).name(), absl::StrCat("pretrain_seed_", seed));
    auto job = jobs.Get(report.steps(step).job_id());
    ASSERT_THAT(job, IsOk());
    EXPECT_EQ(job->state(), v1::JOB_STATE_SUCCEEDED);
    EXPECT_EQ(job->spec().seed(), static_cast<uint64_t>(seed));
  }
  const std::string out = dir_ + "/downloaded";
  auto downloaded = RunSimclrctl(*server_, {"artifacts", "download", report.id(), "-o", out});
  ASSERT_EQ(downloaded.exit_code, 0) << downloaded.stderr_text;
  const std::string md = ReadFile(out + "/report.md");
  EXPECT_THAT(md, HasSubstr("| labels | classifier | SimCLR | SimCLR seed 4 | SimCLR seed 5 | "
                            "random-init | raw pixels |"));
  EXPECT_THAT(md, HasSubstr("pooled over 2 pretraining seeds"));
  EXPECT_THAT(md, HasSubstr("| 100 % | linear |"));
  EXPECT_THAT(md, ::testing::Not(HasSubstr("fine-tuned")));
  EXPECT_TRUE(fs::exists(out + "/artifacts/tsne_after.png"));
}

}  // namespace
}  // namespace simclr

namespace simclr {
namespace {

// The header dict of an .npy file.
std::string NpyHeader(const std::string& path) {
  const std::string bytes = ReadFile(path);
  if (bytes.size() < 10) return "";
  const size_t length = static_cast<uint8_t>(bytes[8]) | static_cast<uint8_t>(bytes[9]) << 8;
  return bytes.substr(10, length);
}

TEST_F(ReportTest, AWholeDatasetIsEmbeddedAsAJobAndDownloaded) {
  client::DatasetClient datasets(client::CreateChannel({server_->address()}), absl::Seconds(60));
  auto dataset = datasets.UploadIdx("fashion-mnist t10k",
                                    "/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz",
                                    "/usr/share/datasets/fashion-mnist/t10k-labels-idx1-ubyte.gz",
                                    {});
  ASSERT_THAT(dataset, IsOk());
  const std::string spec_path = dir_ + "/pretrain.json";
  std::ofstream(spec_path) << R"({"num_threads": 1, "pretrain": {"data": {"train": {"dataset_id": ")"
                           << dataset->id() << R"("}, "max_examples": 256, "val_fraction": 0},
      "encoder": {"builtin": {"arch": "ARCHITECTURE_SMALL_CNN", "width_multiplier": 0.25}},
      "input": {"size": 28, "channels": 1}, "batch_size": 64, "epochs": 1,
      "monitor": {"knn_every_epochs": 0}}})";
  auto pretrain = RunSimclrctl(*server_, {"--json", "jobs", "submit", "-f", spec_path});
  ASSERT_EQ(pretrain.exit_code, 0) << pretrain.stderr_text;
  const std::string job = pretrain.stdout_text.substr(pretrain.stdout_text.find("job-"), 16);
  // Submitted before its pretraining ends: the embed job waits for it.
  const std::string out = dir_ + "/embedded/features.npy";
  std::filesystem::create_directories(dir_ + "/embedded");
  auto embedded = RunSimclrctl(*server_, {"embed", "--dataset", dataset->id(), "--model", job,
                                          "-o", out},
                               absl::Minutes(5));
  ASSERT_EQ(embedded.exit_code, 0) << embedded.stdout_text << embedded.stderr_text;
  EXPECT_THAT(NpyHeader(out), HasSubstr("'descr': '<f4', 'fortran_order': False, "
                                        "'shape': (10000, "));
  EXPECT_THAT(NpyHeader(dir_ + "/embedded/features.labels.npy"), HasSubstr("(10000,)"));
  EXPECT_THAT(NpyHeader(dir_ + "/embedded/features.indices.npy"), HasSubstr("(10000,)"));
  // An id that is no pretraining job is refused at submit, naming the field.
  auto refused = RunSimclrctl(*server_, {"embed", "--dataset", dataset->id(), "--model",
                                         "job-000000000001", "-o", out});
  EXPECT_NE(refused.exit_code, 0);
  EXPECT_THAT(refused.stderr_text, HasSubstr("spec.embed.subject.job_id"));
}

}  // namespace
}  // namespace simclr

namespace simclr {
namespace {

// Paused while it pretrains, the server restarted, then resumed: the
// report finishes, its pretraining continued from its checkpoint rather
// than from the start, and the step that had finished before ran once.
TEST(ReportRestartTest, APausedReportSurvivesARestartAndKeepsItsFinishedSteps) {
  const std::string dir = TestWorkDir();
  const std::vector<std::string> flags = {"--max_concurrent_jobs=2", "--worker_threads=1"};
  auto server = SimclrdProcess::Start(dir, flags);
  ASSERT_THAT(server, IsOk());
  client::DatasetClient datasets(client::CreateChannel({server->address()}), absl::Seconds(60));
  auto dataset = datasets.UploadIdx("t10k", "/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz",
                                    "/usr/share/datasets/fashion-mnist/t10k-labels-idx1-ubyte.gz", {});
  ASSERT_THAT(dataset, IsOk());
  std::string spec_json = SmallReportSpec(28, 1, false);
  // Long enough to pause mid-way: 12 epochs, a checkpoint every epoch.
  spec_json.replace(spec_json.find(R"("epochs": 2)"), 11, R"("epochs": 12)");
  auto spec = core::ParseJobSpecJson(spec_json, "test");
  ASSERT_THAT(spec, IsOk());
  spec->mutable_report()->mutable_data()->mutable_train()->set_dataset_id(dataset->id());
  client::JobClient jobs(client::CreateChannel({server->address()}), absl::Seconds(60));
  auto report = jobs.Submit(*spec, "", false);
  ASSERT_THAT(report, IsOk());
  std::map<std::string, std::string> step;
  for (const auto& s : report->steps()) step[s.name()] = s.job_id();
  // Wait for the before-map to finish and pretraining to pass epoch 2.
  for (int i = 0; i < 600; ++i) {
    auto tsne = jobs.Get(step["tsne_before"]);
    auto pretrain = jobs.Get(step["pretrain"]);
    if (tsne.ok() && pretrain.ok() && tsne->state() == v1::JOB_STATE_SUCCEEDED &&
        pretrain->progress().epoch() >= 2) {
      break;
    }
    absl::SleepFor(absl::Milliseconds(100));
  }
  auto paused = jobs.Pause(report->id());
  ASSERT_THAT(paused, IsOk());
  EXPECT_EQ(paused->state(), v1::JOB_STATE_PAUSED);
  EXPECT_EQ(jobs.Get(step["pretrain"])->state(), v1::JOB_STATE_PAUSED);
  const int64_t paused_at = jobs.Get(step["pretrain"])->progress().step();
  EXPECT_GT(paused_at, 0);
  ExpectCleanStop(*server);

  auto restarted = SimclrdProcess::Start(dir, flags);
  ASSERT_THAT(restarted, IsOk());
  client::JobClient again(client::CreateChannel({restarted->address()}), absl::Seconds(60));
  ASSERT_THAT(again.Resume(report->id()), IsOk());
  EXPECT_THAT(again.Watch(report->id(), 0, [](const v1::JobEvent&) {}), IsOk());
  auto done = again.Get(report->id());
  ASSERT_THAT(done, IsOk());
  EXPECT_EQ(done->state(), v1::JOB_STATE_SUCCEEDED) << done->error();
  // Pretraining resumed from its checkpoint: its log says so.
  bool resumed = false;
  EXPECT_THAT(again.Watch(step["pretrain"], 0, [&](const v1::JobEvent& e) {
    resumed |= e.has_log() && e.log().message().find("resumed from") != std::string::npos;
  }), IsOk());
  EXPECT_TRUE(resumed);
  // The step that had finished kept its one run: one RUNNING state.
  int runs = 0;
  EXPECT_THAT(again.Watch(step["tsne_before"], 0, [&](const v1::JobEvent& e) {
    runs += e.has_state_change() && e.state_change().state() == v1::JOB_STATE_RUNNING;
  }), IsOk());
  EXPECT_EQ(runs, 1);
  ExpectCleanStop(*restarted);
}

}  // namespace
}  // namespace simclr
