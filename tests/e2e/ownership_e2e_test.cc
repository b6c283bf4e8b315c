// Principals through the real binaries: with a tokens file of two users
// and an admin, every RPC on alice's dataset, job and checkpoints, called
// by alice (the owner), bob (another user), root (an admin) and with no
// token. Bob gets exactly what an unknown id gets, code and message;
// the admin what the owner gets; no token UNAUTHENTICATED.
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "absl/strings/str_replace.h"
#include "client/checkpoint_client.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "simclr/v1/checkpoint.grpc.pb.h"
#include "simclr/v1/dataset.grpc.pb.h"
#include "simclr/v1/embedding.grpc.pb.h"
#include "simclr/v1/job.grpc.pb.h"
#include "tests/e2e/principals.h"

namespace simclr {
namespace {

using ::simclr::testing::ChannelAs;
using ::simclr::testing::Context;
using ::simclr::testing::ExpectCleanStop;
using ::simclr::testing::IsOk;
using ::simclr::testing::SimclrdProcess;
using ::simclr::testing::TestWorkDir;
using Channel = std::shared_ptr<grpc::Channel>;

struct Ids {
  std::string dataset, job, checkpoint;
  int input_channels = 1, input_size = 28;
};

// The same ids with their hex digits zeroed: well formed, unknown.
Ids Unknown(const Ids& real) {
  Ids unknown = real;
  for (std::string* id : {&unknown.dataset, &unknown.job}) {
    for (size_t i = id->find('-') + 1; i < id->size(); ++i) (*id)[i] = '0';
  }
  const std::string job_hex = real.job.substr(4);
  unknown.checkpoint = absl::StrReplaceAll(real.checkpoint,
                                           {{job_hex, std::string(job_hex.size(), '0')}});
  return unknown;
}

v1::EmbedRequest EmbedBy(const Ids& ids, bool by_job) {
  v1::EmbedRequest request;
  if (by_job) {
    request.mutable_model()->set_job_id(ids.job);
  } else {
    request.mutable_model()->set_checkpoint_id(ids.checkpoint);
  }
  v1::RawTensor* tensor = request.add_images()->mutable_tensor();
  for (int side : {ids.input_channels, ids.input_size, ids.input_size}) tensor->add_shape(side);
  tensor->set_data(std::string(4 * ids.input_channels * ids.input_size * ids.input_size, '\0'));
  return request;
}

v1::SubmitJobRequest ValidateOnly(const std::string& json) {
  v1::SubmitJobRequest request;
  auto spec = core::ParseJobSpecJson(json, "test");
  EXPECT_THAT(spec, IsOk());
  *request.mutable_spec() = *spec;
  request.set_validate_only(true);
  return request;
}

struct RpcCase {
  std::string rpc;
  std::function<grpc::Status(const Channel&, const Ids&)> call;
  grpc::StatusCode owner_code;  // the owner's and the admin's answer
};

std::vector<RpcCase> Cases() {
  using grpc::StatusCode;
  auto jobs = [](const Channel& c) { return v1::JobService::NewStub(c); };
  auto embed = [](const Channel& c) { return v1::EmbeddingService::NewStub(c); };
  auto checkpoints = [](const Channel& c) { return v1::CheckpointService::NewStub(c); };
  return {
      {"GetDataset",
       [](const Channel& c, const Ids& ids) {
         v1::GetDatasetRequest r;
         r.set_dataset_id(ids.dataset);
         v1::Dataset out;
         return v1::DatasetService::NewStub(c)->GetDataset(Context().get(), r, &out);
       },
       StatusCode::OK},
      {"GetJob",
       [jobs](const Channel& c, const Ids& ids) {
         v1::GetJobRequest r;
         r.set_job_id(ids.job);
         v1::Job out;
         return jobs(c)->GetJob(Context().get(), r, &out);
       },
       StatusCode::OK},
      {"CancelJob",
       [jobs](const Channel& c, const Ids& ids) {
         v1::CancelJobRequest r;
         r.set_job_id(ids.job);
         v1::Job out;
         return jobs(c)->CancelJob(Context().get(), r, &out);
       },
       StatusCode::FAILED_PRECONDITION},  // it has ended
      {"PauseJob",
       [jobs](const Channel& c, const Ids& ids) {
         v1::PauseJobRequest r;
         r.set_job_id(ids.job);
         v1::Job out;
         return jobs(c)->PauseJob(Context().get(), r, &out);
       },
       StatusCode::FAILED_PRECONDITION},
      {"ResumeJob",
       [jobs](const Channel& c, const Ids& ids) {
         v1::ResumeJobRequest r;
         r.set_job_id(ids.job);
         v1::Job out;
         return jobs(c)->ResumeJob(Context().get(), r, &out);
       },
       StatusCode::FAILED_PRECONDITION},
      {"WatchJob",
       [jobs](const Channel& c, const Ids& ids) {
         v1::WatchJobRequest r;
         r.set_job_id(ids.job);
         auto context = Context();
         auto stub = jobs(c);
         auto reader = stub->WatchJob(context.get(), r);
         v1::JobEvent event;
         while (reader->Read(&event)) {
         }
         return reader->Finish();
       },
       StatusCode::OK},
      {"ListCheckpoints(job_id)",
       [checkpoints](const Channel& c, const Ids& ids) {
         v1::ListCheckpointsRequest r;
         r.set_job_id(ids.job);
         v1::ListCheckpointsResponse out;
         return checkpoints(c)->ListCheckpoints(Context().get(), r, &out);
       },
       StatusCode::OK},
      {"GetCheckpoint",
       [checkpoints](const Channel& c, const Ids& ids) {
         v1::GetCheckpointRequest r;
         r.set_checkpoint_id(ids.checkpoint);
         v1::Checkpoint out;
         return checkpoints(c)->GetCheckpoint(Context().get(), r, &out);
       },
       StatusCode::OK},
      {"DownloadCheckpoint",
       [checkpoints](const Channel& c, const Ids& ids) {
         v1::DownloadCheckpointRequest r;
         r.set_checkpoint_id(ids.checkpoint);
         r.set_file("meta.json");
         auto context = Context();
         auto stub = checkpoints(c);
         auto reader = stub->DownloadCheckpoint(context.get(), r);
         v1::DownloadCheckpointResponse chunk;
         while (reader->Read(&chunk)) {
         }
         return reader->Finish();
       },
       StatusCode::OK},
      {"Embed(checkpoint_id)",
       [embed](const Channel& c, const Ids& ids) {
         v1::EmbedResponse out;
         return embed(c)->Embed(Context().get(), EmbedBy(ids, false), &out);
       },
       StatusCode::OK},
      {"Embed(job_id)",
       [embed](const Channel& c, const Ids& ids) {
         v1::EmbedResponse out;
         return embed(c)->Embed(Context().get(), EmbedBy(ids, true), &out);
       },
       StatusCode::OK},
      {"EmbedStream",
       [embed](const Channel& c, const Ids& ids) {
         auto context = Context();
         auto stub = embed(c);
         auto stream = stub->EmbedStream(context.get());
         stream->Write(EmbedBy(ids, false));
         stream->WritesDone();
         v1::EmbedResponse out;
         while (stream->Read(&out)) {
         }
         return stream->Finish();
       },
       StatusCode::OK},
      {"SubmitJob(linear_eval of the checkpoint on the dataset)",
       [jobs](const Channel& c, const Ids& ids) {
         v1::Job out;
         return jobs(c)->SubmitJob(
             Context().get(),
             ValidateOnly(absl::StrCat(
                 R"({"linear_eval": {"data": {"train": {"dataset_id": ")", ids.dataset,
                 R"("}}, "subjects": [{"checkpoint_id": ")", ids.checkpoint, R"("}]}})")),
             &out);
       },
       StatusCode::OK},
      {"SubmitJob(pretraining continued from the checkpoint)",
       [jobs](const Channel& c, const Ids& ids) {
         v1::Job out;
         return jobs(c)->SubmitJob(
             Context().get(),
             ValidateOnly(absl::StrCat(
                 R"({"pretrain": {"data": {"train": {"dataset_id": ")", ids.dataset,
                 R"("}}, "encoder": {"checkpoint_id": ")", ids.checkpoint, R"("}}})")),
             &out);
       },
       StatusCode::OK},
  };
}

// What bob gets for `real`, against what bob gets for unknown ids.
void ExpectSameAsUnknown(const RpcCase& rpc, const Channel& bob, const Ids& real) {
  const Ids unknown = Unknown(real);
  const grpc::Status other = rpc.call(bob, real);
  const grpc::Status missing = rpc.call(bob, unknown);
  EXPECT_NE(other.error_code(), grpc::StatusCode::OK) << rpc.rpc;
  EXPECT_EQ(other.error_code(), missing.error_code()) << rpc.rpc << ": " << other.error_message();
  std::string expected = missing.error_message();
  for (const auto& [from, to] : {std::pair{unknown.checkpoint, real.checkpoint},
                                 {unknown.job, real.job},
                                 {unknown.dataset, real.dataset}}) {
    expected = absl::StrReplaceAll(expected, {{from, to}});
  }
  EXPECT_EQ(other.error_message(), expected) << rpc.rpc;
}

class OwnershipTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = TestWorkDir();
    auto server = SimclrdProcess::Start(
        dir_, {"--auth_tokens_file=" + testing::WriteTokensFile(dir_), "--worker_threads=1"});
    ASSERT_THAT(server, IsOk());
    server_.emplace(*std::move(server));
    auto dataset = testing::UploadSmallDataset(*server_, "alice", dir_);
    ASSERT_THAT(dataset, IsOk());
    EXPECT_EQ(dataset->owner(), "alice");
    auto job = testing::RunToEnd(*server_, "alice", testing::ShortPretrain(dataset->id()));
    ASSERT_THAT(job, IsOk());
    ASSERT_EQ(job->state(), v1::JOB_STATE_SUCCEEDED) << job->error() << server_->log();
    EXPECT_EQ(job->owner(), "alice");
    ids_.dataset = dataset->id();
    ids_.job = job->id();
    ids_.checkpoint = job->latest_checkpoint_id();
    auto checkpoint = client::CheckpointClient(ChannelAs(*server_, "alice"), absl::Seconds(30))
                          .Get(ids_.checkpoint);
    ASSERT_THAT(checkpoint, IsOk());
    ids_.input_channels = checkpoint->encoder().input().channels();
    ids_.input_size = checkpoint->encoder().input().size();
  }
  void TearDown() override {
    if (server_) ExpectCleanStop(*server_);
  }

  std::string dir_;
  std::optional<SimclrdProcess> server_;
  Ids ids_;
};

TEST_F(OwnershipTest, EveryRpcForTheOwnerAnotherUserAnAdminAndNoToken) {
  const Channel alice = ChannelAs(*server_, "alice"), bob = ChannelAs(*server_, "bob"),
                root = ChannelAs(*server_, "root"), nobody = ChannelAs(*server_, "");
  for (const RpcCase& rpc : Cases()) {
    const grpc::Status owner = rpc.call(alice, ids_);
    EXPECT_EQ(owner.error_code(), rpc.owner_code) << rpc.rpc << ": " << owner.error_message();
    const grpc::Status admin = rpc.call(root, ids_);
    EXPECT_EQ(admin.error_code(), rpc.owner_code) << rpc.rpc << ": " << admin.error_message();
    EXPECT_EQ(rpc.call(nobody, ids_).error_code(), grpc::StatusCode::UNAUTHENTICATED) << rpc.rpc;
    ExpectSameAsUnknown(rpc, bob, ids_);
  }
}

TEST_F(OwnershipTest, ListsShowEachUserTheirOwnAndTheAdminEverything) {
  auto bobs = testing::UploadSmallDataset(*server_, "bob", dir_, 40);
  ASSERT_THAT(bobs, IsOk());
  EXPECT_EQ(bobs->owner(), "bob");
  auto datasets = [&](const std::string& who) {
    std::vector<std::string> ids;
    auto all = client::DatasetClient(ChannelAs(*server_, who), absl::Seconds(30)).List();
    EXPECT_THAT(all, IsOk()) << who;
    for (const auto& d : all.value_or(std::vector<v1::Dataset>{})) ids.push_back(d.id());
    return ids;
  };
  using ::testing::UnorderedElementsAre;
  EXPECT_THAT(datasets("alice"), UnorderedElementsAre(ids_.dataset));
  EXPECT_THAT(datasets("bob"), UnorderedElementsAre(bobs->id()));
  EXPECT_THAT(datasets("root"), UnorderedElementsAre(ids_.dataset, bobs->id()));

  auto job_ids = [&](const std::string& who, const std::string& owner) {
    v1::ListJobsRequest filter;
    filter.set_owner(owner);
    std::vector<std::string> ids;
    auto all = client::JobClient(ChannelAs(*server_, who), absl::Seconds(30)).List(filter);
    EXPECT_THAT(all, IsOk()) << who;
    for (const auto& j : all.value_or(std::vector<v1::Job>{})) ids.push_back(j.id());
    return ids;
  };
  EXPECT_THAT(job_ids("alice", ""), UnorderedElementsAre(ids_.job));
  EXPECT_THAT(job_ids("bob", ""), ::testing::IsEmpty());
  EXPECT_THAT(job_ids("bob", "alice"), ::testing::IsEmpty());
  EXPECT_THAT(job_ids("root", ""), UnorderedElementsAre(ids_.job));
  EXPECT_THAT(job_ids("root", "alice"), UnorderedElementsAre(ids_.job));
  EXPECT_THAT(job_ids("root", "bob"), ::testing::IsEmpty());

  auto checkpoints = [&](const std::string& who) {
    auto all = client::CheckpointClient(ChannelAs(*server_, who), absl::Seconds(30)).List("");
    EXPECT_THAT(all, IsOk()) << who;
    return all.value_or(std::vector<v1::Checkpoint>{});
  };
  ASSERT_EQ(checkpoints("alice").size(), 2u);
  EXPECT_EQ(checkpoints("alice")[0].owner(), "alice");
  EXPECT_THAT(checkpoints("bob"), ::testing::IsEmpty());
  EXPECT_EQ(checkpoints("root").size(), 2u);
  EXPECT_EQ(client::JobClient(ChannelAs(*server_, ""), absl::Seconds(30)).List().status().code(),
            absl::StatusCode::kUnauthenticated);

  // The CLI's filters: an admin narrows by owner; a label nobody has
  // matches nothing.
  auto ctl = [&](const std::string& who, std::vector<std::string> args) {
    args.insert(args.begin(), "--token=" + testing::Tokens().at(who));
    return testing::RunSimclrctl(*server_, args, absl::Seconds(30));
  };
  EXPECT_THAT(ctl("root", {"jobs", "list", "--owner", "alice"}).stdout_text,
              ::testing::HasSubstr(ids_.job));
  EXPECT_THAT(ctl("root", {"jobs", "list", "--owner", "bob"}).stdout_text,
              ::testing::Not(::testing::HasSubstr(ids_.job)));
  EXPECT_THAT(ctl("alice", {"jobs", "list", "--state", "succeeded", "--kind", "pretrain"})
                  .stdout_text,
              ::testing::HasSubstr(ids_.job));
  EXPECT_THAT(ctl("alice", {"jobs", "list", "--label", "team=nobody"}).stdout_text,
              ::testing::Not(::testing::HasSubstr(ids_.job)));
  EXPECT_EQ(ctl("alice", {"jobs", "list", "--state", "sleeping"}).exit_code, 2);
}

TEST_F(OwnershipTest, OnlyTheOwnerAndAnAdminDeleteAndAnotherUserLearnsNothing) {
  const Ids unknown = Unknown(ids_);
  auto as = [&](const std::string& who) {
    return std::make_tuple(
        client::DatasetClient(ChannelAs(*server_, who), absl::Seconds(30)),
        client::JobClient(ChannelAs(*server_, who), absl::Seconds(30)),
        client::CheckpointClient(ChannelAs(*server_, who), absl::Seconds(30)));
  };
  auto [bob_datasets, bob_jobs, bob_checkpoints] = as("bob");
  auto same = [](const absl::Status& other, const absl::Status& missing, const std::string& from,
                 const std::string& to) {
    EXPECT_EQ(other.code(), absl::StatusCode::kNotFound) << other;
    EXPECT_EQ(other.message(), absl::StrReplaceAll(missing.message(), {{from, to}}));
  };
  same(bob_checkpoints.Delete(ids_.checkpoint), bob_checkpoints.Delete(unknown.checkpoint),
       unknown.checkpoint, ids_.checkpoint);
  same(bob_jobs.Delete(ids_.job), bob_jobs.Delete(unknown.job), unknown.job, ids_.job);
  same(bob_datasets.Delete(ids_.dataset), bob_datasets.Delete(unknown.dataset), unknown.dataset,
       ids_.dataset);
  EXPECT_EQ(std::get<1>(as("")).Delete(ids_.job).code(), absl::StatusCode::kUnauthenticated);

  auto [alice_datasets, alice_jobs, alice_checkpoints] = as("alice");
  auto [root_datasets, root_jobs, root_checkpoints] = as("root");
  auto listed = alice_checkpoints.List(ids_.job);
  ASSERT_THAT(listed, IsOk());
  ASSERT_EQ(listed->size(), 2u);  // nothing of bob's attempts took effect
  EXPECT_THAT(alice_checkpoints.Delete((*listed)[1].id()), IsOk());
  EXPECT_THAT(root_checkpoints.Delete((*listed)[0].id()), IsOk());
  EXPECT_THAT(alice_checkpoints.List(ids_.job), IsOk());
  EXPECT_TRUE(alice_checkpoints.List(ids_.job)->empty());

  const std::string folder = dir_ + "/data/jobs/" + ids_.job;
  ASSERT_TRUE(std::filesystem::exists(folder));
  EXPECT_THAT(root_jobs.Delete(ids_.job), IsOk());
  EXPECT_FALSE(std::filesystem::exists(folder));
  EXPECT_EQ(alice_jobs.Get(ids_.job).status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(alice_jobs.Watch(ids_.job, 0, [](const v1::JobEvent&) {}).code(),
            absl::StatusCode::kNotFound);
  EXPECT_THAT(alice_datasets.Delete(ids_.dataset), IsOk());
  EXPECT_EQ(root_datasets.Get(ids_.dataset).status().code(), absl::StatusCode::kNotFound);
}

TEST_F(OwnershipTest, PretrainingContinuesFromTheOwnersCheckpointAndNobodyElses) {
  const std::string json = absl::StrCat(R"({"seed": 6, "num_threads": 1, "pretrain": {
      "data": {"train": {"dataset_id": ")", ids_.dataset, R"("}, "val_fraction": 0.0},
      "encoder": {"checkpoint_id": ")", ids_.checkpoint, R"("},
      "batch_size": 32, "epochs": 1,
      "monitor": {"log_every_steps": 1, "knn_every_epochs": 0}}})");
  auto spec = core::ParseJobSpecJson(json, "test");
  ASSERT_THAT(spec, IsOk());
  // Bob on his own data with alice's checkpoint: refused on the checkpoint,
  // as if it did not exist.
  auto bobs = testing::UploadSmallDataset(*server_, "bob", dir_, 40);
  ASSERT_THAT(bobs, IsOk());
  v1::JobSpec bobs_spec = *spec;
  bobs_spec.mutable_pretrain()->mutable_data()->mutable_train()->set_dataset_id(bobs->id());
  client::JobClient bob(ChannelAs(*server_, "bob"), absl::Seconds(30));
  auto refused = bob.Submit(bobs_spec);
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(refused.status().message(),
            absl::StrCat("spec.pretrain.encoder.checkpoint_id: checkpoint ", ids_.checkpoint,
                         " not found"));
  auto continued = testing::RunToEnd(*server_, "alice", *spec);
  ASSERT_THAT(continued, IsOk());
  ASSERT_EQ(continued->state(), v1::JOB_STATE_SUCCEEDED) << continued->error();
  EXPECT_FALSE(continued->latest_checkpoint_id().empty());
  // The new encoder starts from the old one: same feature dimension.
  client::CheckpointClient checkpoints(ChannelAs(*server_, "alice"), absl::Seconds(30));
  auto before = checkpoints.Get(ids_.checkpoint);
  auto after = checkpoints.Get(continued->latest_checkpoint_id());
  ASSERT_THAT(before, IsOk());
  ASSERT_THAT(after, IsOk());
  EXPECT_EQ(after->encoder().feature_dim(), before->encoder().feature_dim());
}

}  // namespace
}  // namespace simclr
