// What the many-users tests share: a tokens file with two users and an
// admin, a channel per caller, a small uploaded dataset and a short
// pretraining job on it.
#ifndef SIMCLR_TESTS_E2E_PRINCIPALS_H_
#define SIMCLR_TESTS_E2E_PRINCIPALS_H_

#include <chrono>
#include <fstream>
#include <map>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "client/channel.h"
#include "client/dataset_client.h"
#include "client/job_client.h"
#include "core/common/job_spec_json.h"
#include "grpcpp/client_context.h"
#include "gtest/gtest.h"
#include "tests/e2e/bad_input_catalogue.h"

namespace simclr::testing {

// Callers by name; "" sends no token.
inline const std::map<std::string, std::string>& Tokens() {
  static const auto* tokens = new std::map<std::string, std::string>{
      {"alice", "alice-token-0001"}, {"bob", "bob-token-00002"}, {"root", "root-token-00003"}};
  return *tokens;
}

inline std::string WriteTokensFile(const std::string& dir) {
  const std::string path = dir + "/tokens";
  std::ofstream(path) << "# two users and an admin\n"
                      << Tokens().at("alice") << " alice\n"
                      << Tokens().at("bob") << " bob user\n"
                      << Tokens().at("root") << " root admin\n";
  return path;
}

inline std::shared_ptr<grpc::Channel> ChannelAs(const SimclrdProcess& server,
                                                const std::string& caller) {
  client::ChannelOptions options;
  options.target = server.address();
  if (!caller.empty()) options.token = Tokens().at(caller);
  return client::CreateChannel(options);
}

// An IDX pair of `count` 28×28 images (a gradient per class) and labels in
// `dir`; returns the images' path ("<dir>/images.idx", labels beside).
inline std::string WriteSmallIdx(const std::string& dir, int count) {
  std::string images = BigEndian(0x803) + BigEndian(count) + BigEndian(28) + BigEndian(28);
  std::string labels = BigEndian(0x801) + BigEndian(count);
  for (int i = 0; i < count; ++i) {
    for (int p = 0; p < 28 * 28; ++p) images.push_back(static_cast<char>((p * (i % 4 + 1) + i) % 256));
    labels.push_back(static_cast<char>(i % 4));
  }
  std::ofstream(dir + "/images.idx", std::ios::binary) << images;
  std::ofstream(dir + "/labels.idx", std::ios::binary) << labels;
  return dir + "/images.idx";
}

inline absl::StatusOr<v1::Dataset> UploadSmallDataset(const SimclrdProcess& server,
                                                      const std::string& caller,
                                                      const std::string& dir, int count = 64) {
  const std::string images = WriteSmallIdx(dir, count);
  return client::DatasetClient(ChannelAs(server, caller), absl::Seconds(60))
      .UploadIdx(caller + "'s images", images, dir + "/labels.idx", {});
}

// A short pretraining on `dataset_id`: 2 epochs of 2 steps, a checkpoint
// each epoch, both kept.
inline v1::JobSpec ShortPretrain(const std::string& dataset_id, int epochs = 2) {
  auto spec = core::ParseJobSpecJson(absl::StrCat(R"({"seed": 5, "num_threads": 1, "pretrain": {
      "data": {"train": {"dataset_id": ")", dataset_id, R"("}, "val_fraction": 0.0},
      "encoder": {"builtin": {"arch": "ARCHITECTURE_SMALL_CNN", "width_multiplier": 0.25}},
      "batch_size": 32, "epochs": )", epochs, R"(,
      "checkpoints": {"every_epochs": 1, "keep_latest": 2},
      "monitor": {"log_every_steps": 1, "knn_every_epochs": 0}}})"), "test");
  EXPECT_TRUE(spec.ok()) << spec.status();
  return spec.ok() ? *spec : v1::JobSpec();
}

// Submits as `caller` and waits for the job's end.
inline absl::StatusOr<v1::Job> RunToEnd(const SimclrdProcess& server, const std::string& caller,
                                        const v1::JobSpec& spec) {
  client::JobClient jobs(ChannelAs(server, caller), absl::Seconds(60));
  auto job = jobs.Submit(spec);
  if (!job.ok()) return job.status();
  if (auto status = jobs.Watch(job->id(), 0, [](const v1::JobEvent&) {}); !status.ok()) {
    return status;
  }
  return jobs.Get(job->id());
}

}  // namespace simclr::testing

#endif  // SIMCLR_TESTS_E2E_PRINCIPALS_H_
