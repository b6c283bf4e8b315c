// Uploaded base models through the real binaries: a torchvision ResNet-18
// scripted by Debian's PyTorch (random weights, > 8 MiB, so it cannot
// travel inline in a spec) is uploaded with simclrctl, validated by a
// worker process, pretrained with two unfreezing rounds through simclrd,
// and evaluated beside its own untrained copy. Garbage is refused and
// leaves nothing; another user cannot see, use or delete it.
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "client/model_client.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/e2e/principals.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/subprocess.h"

namespace simclr {
namespace {

using ::simclr::testing::ChannelAs;
using ::simclr::testing::ExpectCleanStop;
using ::simclr::testing::IsOk;
using ::simclr::testing::SimclrdProcess;
using ::simclr::testing::StatusIs;
using ::simclr::testing::TestWorkDir;
using ::testing::HasSubstr;
namespace fs = std::filesystem;

v1::JobSpec Spec(const std::string& json) {
  auto spec = core::ParseJobSpecJson(json, "test");
  EXPECT_THAT(spec, IsOk());
  return spec.value_or(v1::JobSpec());
}

std::string PretrainJson(const std::string& dataset, const std::string& model) {
  return absl::StrCat(R"({"seed": 1, "num_threads": 2, "pretrain": {
      "data": {"train": {"dataset_id": ")", dataset, R"("}, "val_fraction": 0.0},
      "encoder": {"torchscript": {"model_id": ")", model, R"("}},
      "input": {"size": 32, "channels": 3},
      "batch_size": 32,
      "unfreeze_rounds": [{"unfrozen_layers": 2, "epochs": 1}, {"unfrozen_layers": -1, "epochs": 1}],
      "checkpoints": {"every_epochs": 1},
      "monitor": {"log_every_steps": 1, "knn_every_epochs": 0}}})");
}

std::string LinearEvalJson(const std::string& dataset, const std::string& checkpoint,
                           const std::string& model) {
  return absl::StrCat(R"({"seed": 1, "num_threads": 2, "linear_eval": {
      "data": {"train": {"dataset_id": ")", dataset, R"("}, "val_fraction": 0.25},
      "input": {"size": 32, "channels": 3},
      "subjects": [{"name": "SimCLR", "checkpoint_id": ")", checkpoint, R"("},
                   {"name": "untrained", "torchscript": {"model_id": ")", model, R"("}}],
      "protocol": {"label_fractions": [1.0], "repeats": 1}}})");
}

TEST(ModelUploadTest, AResNet18IsUploadedPretrainedInRoundsAndEvaluatedBesideItsUntrainedSelf) {
  const std::string dir = TestWorkDir();
  const std::string module = dir + "/resnet18.pt";
  auto made = testing::RunProcess(
      {"/usr/bin/python3", std::string(std::getenv("SIMCLR_SOURCE_DIR")) + "/tests/e2e/make_resnet18.py", module},
      absl::Seconds(120));
  ASSERT_THAT(made, IsOk());
  ASSERT_EQ(made->exit_code, 0) << made->stderr_text;
  ASSERT_GT(fs::file_size(module), 8u << 20);  // past the 8 MiB message limit

  auto server = SimclrdProcess::Start(
      dir, {"--auth_tokens_file=" + testing::WriteTokensFile(dir), "--worker_threads=2"});
  ASSERT_THAT(server, IsOk());
  auto ctl = [&](std::vector<std::string> args) {
    args.insert(args.begin(), {"--token=" + testing::Tokens().at("alice"), "--json"});
    return testing::RunSimclrctl(*server, args, absl::Seconds(300));
  };
  const auto uploaded = ctl({"models", "upload", module, "--name", "ResNet-18"});
  ASSERT_EQ(uploaded.exit_code, 0) << uploaded.stderr_text << server->log();
  client::ModelClient alice(ChannelAs(*server, "alice"), absl::Seconds(60));
  auto models = alice.List();
  ASSERT_THAT(models, IsOk());
  ASSERT_EQ(models->size(), 1u);
  const v1::Model model = (*models)[0];
  EXPECT_EQ(model.owner(), "alice");
  EXPECT_EQ(model.size_bytes(), static_cast<int64_t>(fs::file_size(module)));
  EXPECT_EQ(model.feature_dim(), 512);
  EXPECT_EQ(model.input_channels(), 3);  // found by the worker's dry runs
  EXPECT_GT(model.layers(), 4);

  // Garbage is refused by the worker's probe, and nothing stays.
  std::ofstream(dir + "/garbage.pt") << "not a TorchScript archive";
  EXPECT_THAT(alice.Upload("garbage", dir + "/garbage.pt"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("not a usable TorchScript encoder")));
  EXPECT_TRUE(fs::is_empty(dir + "/data/models/.incoming"));
  EXPECT_EQ(alice.List()->size(), 1u);

  // Bob: the same answers as for an unknown id.
  client::ModelClient bob(ChannelAs(*server, "bob"), absl::Seconds(60));
  const std::string unknown = "model-" + std::string(model.id().size() - 6, '0');
  const auto other = bob.Get(model.id()).status(), missing = bob.Get(unknown).status();
  EXPECT_EQ(other.code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(other.message(), absl::StrReplaceAll(missing.message(), {{unknown, model.id()}}));
  EXPECT_EQ(bob.Delete(model.id()).code(), absl::StatusCode::kNotFound);
  EXPECT_TRUE(bob.List()->empty());

  auto dataset = testing::UploadSmallDataset(*server, "alice", dir);
  ASSERT_THAT(dataset, IsOk());
  client::JobClient bob_jobs(ChannelAs(*server, "bob"), absl::Seconds(60));
  const auto refused = bob_jobs.Submit(Spec(PretrainJson(dataset->id(), model.id())), "", true);
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kFailedPrecondition);

  auto pretrained = testing::RunToEnd(*server, "alice", Spec(PretrainJson(dataset->id(), model.id())));
  ASSERT_THAT(pretrained, IsOk());
  ASSERT_EQ(pretrained->state(), v1::JOB_STATE_SUCCEEDED) << pretrained->error() << server->log();
  auto evaluated = testing::RunToEnd(
      *server, "alice",
      Spec(LinearEvalJson(dataset->id(), pretrained->latest_checkpoint_id(), model.id())));
  ASSERT_THAT(evaluated, IsOk());
  ASSERT_EQ(evaluated->state(), v1::JOB_STATE_SUCCEEDED) << evaluated->error();
  std::set<std::string> subjects;
  client::JobClient jobs(ChannelAs(*server, "alice"), absl::Seconds(60));
  ASSERT_THAT(jobs.Watch(evaluated->id(), 0,
                         [&](const v1::JobEvent& event) {
                           if (!event.has_eval_result()) return;
                           subjects.insert(event.eval_result().subject());
                           EXPECT_GE(event.eval_result().top1_mean(), 0.0);
                           EXPECT_LE(event.eval_result().top1_mean(), 1.0);
                         }),
              IsOk());
  EXPECT_EQ(subjects, (std::set<std::string>{"SimCLR", "untrained"}));

  // Free once no live job names it.
  EXPECT_THAT(alice.Delete(model.id()), IsOk());
  EXPECT_FALSE(fs::exists(dir + "/data/models/" + model.id()));
  ExpectCleanStop(*server);
}

}  // namespace
}  // namespace simclr
