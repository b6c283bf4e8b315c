// CheckpointService through the real binaries: a job trained by simclrd,
// its checkpoints listed (newest first, the best marked), encoder.pt and
// meta.json downloaded by simclrctl and loaded in real PyTorch with the
// worker's features, a resumed download, a corrupted partial download
// caught by the SHA-256, and every malformed request refused by name.
#include <signal.h>

#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "client/channel.h"
#include "client/checkpoint_client.h"
#include "client/job_client.h"
#include "core/common/job_spec_json.h"
#include "core/common/sha256.h"
#include "gmock/gmock.h"
#include "grpcpp/client_context.h"
#include "gtest/gtest.h"
#include "tests/e2e/encoder_check.h"
#include "tests/e2e/simclrd_process.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/subprocess.h"

namespace simclr {
namespace {

using ::simclr::testing::ExpectCleanStop;
using ::simclr::testing::IsOk;
using ::simclr::testing::SimclrdProcess;
using ::simclr::testing::StatusIs;
using ::simclr::testing::TestWorkDir;
using ::testing::HasSubstr;

constexpr char kImages[] =
    "/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz";

class CheckpointServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    work_dir_ = TestWorkDir();
    auto server = SimclrdProcess::Start(work_dir_, {"--worker_threads=1"});
    ASSERT_THAT(server, IsOk());
    server_.emplace(std::move(server).value());
    auto channel = client::CreateChannel({server_->address()});
    jobs_.emplace(channel, absl::Seconds(30));
    checkpoints_.emplace(channel, absl::Seconds(30));
    spec_path_ = work_dir_ + "/spec.json";
    std::ofstream(spec_path_) << absl::StrCat(R"({"seed": 3, "pretrain": {
      "data": {"train": {"local": {"format": "DATASET_FORMAT_IDX", "path": ")",
      kImages, R"("}}, "max_examples": 320, "val_fraction": 0.2},
      "encoder": {"builtin": {"arch": "ARCHITECTURE_SMALL_CNN", "width_multiplier": 0.5}},
      "batch_size": 32, "epochs": 3,
      "checkpoints": {"every_epochs": 1, "keep_latest": 2, "keep_best": true},
      "monitor": {"log_every_steps": 4, "knn_every_epochs": 0}}})");
    auto spec = core::ReadJobSpecFile(spec_path_);
    ASSERT_THAT(spec, IsOk());
    auto job = jobs_->Submit(*spec);
    ASSERT_THAT(job, IsOk());
    ASSERT_THAT(jobs_->Watch(job->id(), 0, [](const v1::JobEvent&) {}), IsOk());
    auto done = jobs_->Get(job->id());
    ASSERT_THAT(done, IsOk());
    ASSERT_EQ(done->state(), v1::JOB_STATE_SUCCEEDED) << server_->log();
    job_ = *done;
  }

  void TearDown() override {
    if (!server_) return;
    jobs_.reset();
    checkpoints_.reset();
    ExpectCleanStop(*server_);
  }

  testing::ProcessResult Simclrctl(const std::vector<std::string>& args) {
    return testing::RunSimclrctl(*server_, args, absl::Seconds(60));
  }

  std::string work_dir_, spec_path_;
  v1::Job job_;
  std::optional<SimclrdProcess> server_;
  std::optional<client::JobClient> jobs_;
  std::optional<client::CheckpointClient> checkpoints_;
};

TEST_F(CheckpointServiceTest, ListedNewestFirstWithTheBestMarked) {
  auto listed = checkpoints_->List(job_.id());
  ASSERT_THAT(listed, IsOk());
  // The latest 2, and the best when it is older than both.
  ASSERT_GE(listed->size(), 2u);
  ASSERT_LE(listed->size(), 3u);
  EXPECT_GT((*listed)[0].step(), (*listed)[1].step());
  EXPECT_EQ((*listed)[0].id(), job_.latest_checkpoint_id());
  int best = 0;
  for (const auto& c : *listed) {
    best += c.is_best();
    EXPECT_EQ(c.job_id(), job_.id());
    EXPECT_EQ(c.files_size(), 3);
    EXPECT_GT(c.encoder().feature_dim(), 0);
    EXPECT_TRUE(c.metrics().count("val_loss"));
  }
  EXPECT_EQ(best, 1);
  auto all = checkpoints_->List("");
  ASSERT_THAT(all, IsOk());
  EXPECT_EQ(all->size(), listed->size());
  auto one = checkpoints_->Get((*listed)[1].id());
  ASSERT_THAT(one, IsOk());
  EXPECT_EQ(one->step(), (*listed)[1].step());
  const auto cli = Simclrctl({"checkpoints", "list", "--job", job_.id()});
  EXPECT_EQ(cli.exit_code, 0);
  EXPECT_THAT(cli.stdout_text, HasSubstr("(best)"));
}

TEST_F(CheckpointServiceTest, DownloadedEncoderGivesTheWorkersFeaturesInPyTorch) {
  const std::string id = job_.latest_checkpoint_id();
  const std::string local = work_dir_ + "/downloaded";
  std::filesystem::create_directories(local);
  for (const char* file : {"encoder.pt", "meta.json"}) {
    const auto cli = Simclrctl({"checkpoints", "download", id, "--file", file,
                                "-o", local + "/" + file});
    ASSERT_EQ(cli.exit_code, 0) << cli.stderr_text;
    EXPECT_THAT(cli.stdout_text, HasSubstr("verified"));
  }
  auto meta = checkpoints_->Get(id);
  ASSERT_THAT(meta, IsOk());
  EXPECT_EQ(*core::Sha256OfFile(local + "/encoder.pt"), meta->files(0).sha256());
  // The worker's features from the server's own copy of the checkpoint.
  const std::string server_copy = absl::StrCat(
      work_dir_, "/data/jobs/", job_.id(), "/run/checkpoints/", meta->step());
  testing::ExpectPyTorchGivesTheWorkersFeatures(server_copy, local, spec_path_, kImages,
                                                work_dir_);
}

TEST_F(CheckpointServiceTest, AnInterruptedDownloadResumesAndABadPartIsCaught) {
  const std::string id = job_.latest_checkpoint_id();
  const std::string original = absl::StrCat(
      work_dir_, "/data/jobs/", job_.id(), "/run/checkpoints/",
      checkpoints_->Get(id)->step(), "/state.pt");
  std::ifstream in(original, std::ios::binary);
  const std::string bytes((std::istreambuf_iterator<char>(in)), {});
  ASSERT_GT(bytes.size(), 200000u);
  const std::string destination = work_dir_ + "/state.pt";
  // The first 100,000 bytes arrived before the connection broke.
  std::ofstream(destination + ".part", std::ios::binary) << bytes.substr(0, 100000);
  int64_t first_report = -1;
  auto sha = checkpoints_->Download(
      id, "state.pt", destination,
      [&](int64_t done, int64_t) {
        if (first_report < 0) first_report = done;
      },
      64 << 10);
  ASSERT_THAT(sha, IsOk());
  EXPECT_EQ(first_report, 100000 + (64 << 10));
  EXPECT_EQ(*core::Sha256OfFile(destination), *sha);
  EXPECT_FALSE(std::filesystem::exists(destination + ".part"));

  // A .part whose bytes are wrong: the SHA-256 catches it, nothing is kept.
  const std::string other = work_dir_ + "/state2.pt";
  std::ofstream(other + ".part", std::ios::binary) << std::string(100000, 'x');
  EXPECT_THAT(checkpoints_->Download(id, "state.pt", other),
              StatusIs(absl::StatusCode::kDataLoss, HasSubstr("SHA-256")));
  EXPECT_FALSE(std::filesystem::exists(other));
  EXPECT_FALSE(std::filesystem::exists(other + ".part"));
}

TEST_F(CheckpointServiceTest, AnEvaluationNamesTheCheckpointByItsId) {
  const std::string linear = absl::StrCat(R"({"seed": 4, "num_threads": 1, "linear_eval": {
    "data": {"train": {"local": {"format": "DATASET_FORMAT_IDX", "path": ")", kImages,
      R"(", "labels_path": "/usr/share/datasets/fashion-mnist/t10k-labels-idx1-ubyte.gz"}},
      "max_examples": 400, "test_fraction": 0.25},
    "subjects": [{"checkpoint_id": ")", job_.latest_checkpoint_id(), R"("}],
    "protocol": {"label_fractions": [1.0], "repeats": 1},
    "classifier": {"c_grid": [1.0], "cv_folds": 2}}})");
  auto spec = core::ParseJobSpecJson(linear, "test");
  ASSERT_THAT(spec, IsOk());
  auto job = jobs_->Submit(*spec);
  ASSERT_THAT(job, IsOk());
  int results = 0;
  ASSERT_THAT(jobs_->Watch(job->id(), 0, [&](const v1::JobEvent& e) {
    results += e.has_eval_result();
  }), IsOk());
  EXPECT_EQ(jobs_->Get(job->id())->state(), v1::JOB_STATE_SUCCEEDED) << server_->log();
  EXPECT_GE(results, 1);
  // The job keeps the id the user gave.
  EXPECT_EQ(jobs_->Get(job->id())->spec().linear_eval().subjects(0).checkpoint_id(),
            job_.latest_checkpoint_id());

  spec->mutable_linear_eval()->mutable_subjects(0)->set_checkpoint_id(
      job_.latest_checkpoint_id() + "9");
  EXPECT_THAT(jobs_->Submit(*spec),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("spec.linear_eval.subjects[0].checkpoint_id")));
}

TEST_F(CheckpointServiceTest, MalformedRequestsAreRefusedByName) {
  const std::string id = job_.latest_checkpoint_id();
  const std::string to = work_dir_ + "/x";
  EXPECT_THAT(checkpoints_->Get("../../etc/passwd"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("checkpoint_id")));
  EXPECT_THAT(checkpoints_->Get(id + "0000"),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("not found")));
  EXPECT_THAT(checkpoints_->Download(id, "secrets.txt", to),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("secrets.txt")));
  EXPECT_THAT(checkpoints_->Download(id, "encoder.pt", to, nullptr, 5 << 20),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("chunk_size")));
  // Nothing was received, so nothing is left to continue from.
  EXPECT_FALSE(std::filesystem::exists(to + ".part"));
  EXPECT_THAT(checkpoints_->List("job-000000000000"),
              StatusIs(absl::StatusCode::kNotFound));
  {
    auto stub = v1::CheckpointService::NewStub(
        client::CreateChannel({server_->address()}));
    grpc::ClientContext context;
    v1::DownloadCheckpointRequest request;
    request.set_checkpoint_id(id);
    request.set_offset(1LL << 40);
    auto reader = stub->DownloadCheckpoint(&context, request);
    v1::DownloadCheckpointResponse chunk;
    EXPECT_FALSE(reader->Read(&chunk));
    const grpc::Status status = reader->Finish();
    EXPECT_EQ(status.error_code(), grpc::StatusCode::OUT_OF_RANGE);
    EXPECT_THAT(status.error_message(), HasSubstr("offset"));
  }
  // The server is still fine.
  EXPECT_THAT(checkpoints_->Get(id), IsOk());
  const auto cli = Simclrctl(
      {"checkpoints", "download", "ckpt-zz-1", "-o", work_dir_ + "/refused.pt"});
  EXPECT_EQ(cli.exit_code, 1);
  EXPECT_THAT(cli.stderr_text, HasSubstr("INVALID_ARGUMENT"));
  EXPECT_FALSE(std::filesystem::exists(work_dir_ + "/refused.pt.part"));
}

}  // namespace
}  // namespace simclr
