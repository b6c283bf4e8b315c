// The bad-input catalogue (issue 22): table-driven cases against the real
// simclrd, each with the gRPC code it must get. After every case the
// server must still be SERVING and hold nothing: no dataset, no job, no
// file under datasets/.incoming or jobs/.
#ifndef SIMCLR_TESTS_E2E_BAD_INPUT_CATALOGUE_H_
#define SIMCLR_TESTS_E2E_BAD_INPUT_CATALOGUE_H_

#include <chrono>
#include <thread>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/synchronization/notification.h"
#include "client/channel.h"
#include "gmock/gmock.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "grpcpp/generic/generic_stub.h"
#include "gtest/gtest.h"
#include "simclr/v1/checkpoint.grpc.pb.h"
#include "simclr/v1/dataset.grpc.pb.h"
#include "simclr/v1/embedding.grpc.pb.h"
#include "simclr/v1/job.grpc.pb.h"
#include "simclr/v1/model_service.grpc.pb.h"
#include "tests/e2e/simclrd_process.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/subprocess.h"

namespace simclr::testing {

struct BadInput {
  std::string area;  // "upload header", "ids", …: the note's table
  std::string name;
  std::function<grpc::Status()> call;
  grpc::StatusCode code;
  std::string text;  // a substring the message must contain; may be empty
};

// `v` as 4 big-endian bytes, as IDX headers hold their numbers.
inline std::string BigEndian(uint32_t v) {
  return {static_cast<char>(v >> 24), static_cast<char>(v >> 16), static_cast<char>(v >> 8),
          static_cast<char>(v)};
}

inline std::unique_ptr<grpc::ClientContext> Context(int seconds = 30) {
  auto context = std::make_unique<grpc::ClientContext>();
  context->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(seconds));
  return context;
}

// Public members: the case tables are free functions that build calls.
class BadInputCatalogue : public ::testing::Test {
 public:
  void StartServer(const std::vector<std::string>& flags = {}) {
    if (work_dir_.empty()) work_dir_ = TestWorkDir();
    auto server = SimclrdProcess::Start(work_dir_, flags);
    ASSERT_THAT(server, IsOk());
    server_.emplace(std::move(server).value());
    client::ChannelOptions options;
    options.target = server_->address();
    channel_ = client::CreateChannel(options);
    datasets_ = v1::DatasetService::NewStub(channel_);
    jobs_ = v1::JobService::NewStub(channel_);
    checkpoints_ = v1::CheckpointService::NewStub(channel_);
    embed_ = v1::EmbeddingService::NewStub(channel_);
    models_ = v1::ModelService::NewStub(channel_);
  }
  void StopServer() {
    if (!server_) return;
    datasets_.reset();
    jobs_.reset();
    checkpoints_.reset();
    embed_.reset();
    channel_.reset();
    ExpectCleanStop(*server_);
    server_.reset();
  }
  void TearDown() override { StopServer(); }

  // Raw bytes to a unary method ("/simclr.v1.JobService/GetJob").
  grpc::Status RawUnary(const std::string& method, const std::string& bytes) {
    grpc::GenericStub stub(channel_);
    auto context = Context();
    grpc::Slice slice(bytes);
    grpc::ByteBuffer request(&slice, 1), response;
    absl::Notification done;
    grpc::Status status;
    stub.UnaryCall(context.get(), method, grpc::StubOptions(), &request, &response,
                   [&](grpc::Status s) {
                     status = std::move(s);
                     done.Notify();
                   });
    done.WaitForNotification();
    return status;
  }

  // Raw bytes as the request of a server-streaming method; its final status.
  grpc::Status RawServerStream(const std::string& method, const std::string& bytes) {
    grpc::GenericStub stub(channel_);
    grpc::CompletionQueue queue;
    auto context = Context();
    auto call = stub.PrepareCall(context.get(), method, &queue);
    void* tag = nullptr;
    bool ok = false;
    call->StartCall(reinterpret_cast<void*>(1));
    queue.Next(&tag, &ok);
    grpc::Slice slice(bytes);
    grpc::ByteBuffer request(&slice, 1);
    call->Write(request, reinterpret_cast<void*>(2));
    queue.Next(&tag, &ok);
    call->WritesDone(reinterpret_cast<void*>(3));
    queue.Next(&tag, &ok);
    grpc::ByteBuffer response;
    for (;;) {
      call->Read(&response, reinterpret_cast<void*>(4));
      queue.Next(&tag, &ok);
      if (!ok) break;
    }
    grpc::Status status;
    call->Finish(&status, reinterpret_cast<void*>(5));
    queue.Next(&tag, &ok);
    queue.Shutdown();
    while (queue.Next(&tag, &ok)) {
    }
    return status;
  }

  // An upload of these messages, in this order.
  grpc::Status Upload(const std::vector<v1::UploadDatasetRequest>& messages) {
    auto context = Context();
    v1::Dataset dataset;
    auto writer = datasets_->UploadDataset(context.get(), &dataset);
    for (const auto& message : messages) {
      if (!writer->Write(message)) break;
    }
    writer->WritesDone();
    return writer->Finish();
  }

  bool Serving() {
    auto stub = grpc::health::v1::Health::NewStub(channel_);
    auto context = Context(10);
    grpc::health::v1::HealthCheckRequest request;
    grpc::health::v1::HealthCheckResponse response;
    return stub->Check(context.get(), request, &response).ok() &&
           response.status() == grpc::health::v1::HealthCheckResponse::SERVING;
  }

  // Nothing stored and nothing on disk after a refused request.
  void ExpectNothingLeft(const std::string& what) {
    EXPECT_TRUE(Serving()) << what;
    v1::ListDatasetsResponse datasets;
    EXPECT_TRUE(datasets_->ListDatasets(Context().get(), {}, &datasets).ok()) << what;
    EXPECT_EQ(datasets.datasets_size(), 0) << what;
    v1::ListJobsResponse jobs;
    EXPECT_TRUE(jobs_->ListJobs(Context().get(), {}, &jobs).ok()) << what;
    EXPECT_EQ(jobs.jobs_size(), 0) << what;
    const std::string data = work_dir_ + "/data";
    // An idle stream's temporary file goes when the server notices the
    // stream ended, a moment after the client's call returns.
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (!std::filesystem::is_empty(data + "/datasets/.incoming") &&
           std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    EXPECT_TRUE(std::filesystem::is_empty(data + "/datasets/.incoming")) << what;
    for (const auto& entry : std::filesystem::directory_iterator(data + "/datasets")) {
      EXPECT_EQ(entry.path().filename(), ".incoming") << what;
    }
    if (std::filesystem::exists(data + "/jobs")) {
      EXPECT_TRUE(std::filesystem::is_empty(data + "/jobs")) << what;
    }
    v1::ListModelsResponse models;
    EXPECT_TRUE(models_->ListModels(Context().get(), {}, &models).ok()) << what;
    EXPECT_EQ(models.models_size(), 0) << what;
    for (const auto& entry : std::filesystem::directory_iterator(data + "/models")) {
      EXPECT_EQ(entry.path().filename(), ".incoming") << what;
    }
    EXPECT_TRUE(std::filesystem::is_empty(data + "/models/.incoming")) << what;
  }

  // Runs a helper script; true when it exits 0.
  static bool RunScript(const std::vector<std::string>& argv) {
    auto result = RunProcess(argv, absl::Seconds(120));
    EXPECT_TRUE(result.ok() && result->exit_code == 0)
        << (result.ok() ? result->stderr_text : result.status().ToString());
    return result.ok() && result->exit_code == 0;
  }

  static std::string SourceDir() {
    const char* dir = std::getenv("SIMCLR_SOURCE_DIR");
    return dir != nullptr ? dir : ".";
  }

  // Runs every case, then prints the cases per area.
  void RunCatalogue(const std::vector<BadInput>& cases) {
    std::map<std::string, int> per_area;
    for (const BadInput& c : cases) {
      const grpc::Status status = c.call();
      EXPECT_EQ(status.error_code(), c.code)
          << c.area << " / " << c.name << ": got " << status.error_code() << " \""
          << status.error_message() << "\"";
      EXPECT_THAT(status.error_message(), ::testing::HasSubstr(c.text))
          << c.area << " / " << c.name;
      EXPECT_NE(status.error_code(), grpc::StatusCode::INTERNAL) << c.name;
      EXPECT_NE(status.error_code(), grpc::StatusCode::UNKNOWN) << c.name;
      ExpectNothingLeft(c.area + " / " + c.name);
      ++per_area[c.area];
    }
    for (const auto& [area, count] : per_area) {
      std::printf("catalogue: %-22s %3d cases\n", area.c_str(), count);
    }
    std::printf("catalogue: %-22s %3zu cases\n", "total", cases.size());
  }

  std::string work_dir_;
  std::optional<SimclrdProcess> server_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<v1::DatasetService::Stub> datasets_;
  std::unique_ptr<v1::JobService::Stub> jobs_;
  std::unique_ptr<v1::CheckpointService::Stub> checkpoints_;
  std::unique_ptr<v1::EmbeddingService::Stub> embed_;
  std::unique_ptr<v1::ModelService::Stub> models_;
};

}  // namespace simclr::testing

#endif  // SIMCLR_TESTS_E2E_BAD_INPUT_CATALOGUE_H_
