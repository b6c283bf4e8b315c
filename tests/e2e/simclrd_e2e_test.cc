// The real simclrd binary, reached by the real simclrctl and by gRPC stubs:
// health, /metrics as valid Prometheus text (gRPC and embedding counters),
// clean SIGTERM shutdown, and clear failures on bad flags.
#include <signal.h>

#include <memory>
#include <string>

#include "gmock/gmock.h"
#include "grpcpp/client_context.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "gtest/gtest.h"
#include "simclr/v1/checkpoint.grpc.pb.h"
#include "simclr/v1/dataset.grpc.pb.h"
#include "simclr/v1/embedding.grpc.pb.h"
#include "simclr/v1/job.grpc.pb.h"
#include "tests/e2e/simclrd_process.h"
#include "tests/testing/http_get.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/subprocess.h"

namespace simclr {
namespace {

using ::simclr::testing::HttpGet;
using ::simclr::testing::IsOk;
using ::simclr::testing::RunProcess;
using ::simclr::testing::SimclrdProcess;
using ::simclr::testing::TestWorkDir;
using ::testing::HasSubstr;

class SimclrdTest : public ::testing::Test {
 protected:
  void SetUp() override {
    work_dir_ = TestWorkDir();
    auto server = SimclrdProcess::Start(work_dir_);
    ASSERT_THAT(server, IsOk());
    server_.emplace(std::move(server).value());
  }

  // Every test ends with the shutdown a user's SIGTERM causes.
  void TearDown() override {
    if (!server_) return;
    ASSERT_TRUE(server_->process().Signal(SIGTERM));
    auto result = server_->process().Wait(absl::Seconds(30));
    ASSERT_THAT(result, IsOk()) << server_->log();
    EXPECT_EQ(result->exit_code, 0) << server_->log();
    EXPECT_THAT(server_->log(), HasSubstr("simclrd stopped"));
  }

  testing::ProcessResult Simclrctl(const std::vector<std::string>& args) {
    std::vector<std::string> argv = {SIMCLRCTL_PATH, "--server",
                                     server_->address()};
    argv.insert(argv.end(), args.begin(), args.end());
    auto result = RunProcess(argv, absl::Seconds(30));
    EXPECT_THAT(result, IsOk());
    return result.ok() ? *result : testing::ProcessResult{};
  }

  std::string Scrape() {
    auto response = HttpGet(server_->metrics_port(), "/metrics");
    EXPECT_THAT(response, IsOk());
    if (!response.ok()) return "";
    EXPECT_EQ(response->status_code, 200);
    EXPECT_THAT(response->content_type, HasSubstr("text/plain"));
    return response->body;
  }

  std::shared_ptr<grpc::Channel> Channel() {
    return grpc::CreateChannel(server_->address(),
                               grpc::InsecureChannelCredentials());
  }

  std::string work_dir_;
  std::optional<SimclrdProcess> server_;
};

TEST_F(SimclrdTest, SimclrctlHealthReportsServing) {
  const auto result = Simclrctl({"health"});
  EXPECT_EQ(result.exit_code, 0) << result.stderr_text;
  EXPECT_EQ(result.stdout_text, "SERVING\n");
}

TEST_F(SimclrdTest, MetricsAreValidPrometheusTextWithGrpcCounters) {
  ASSERT_EQ(Simclrctl({"health"}).exit_code, 0);
  ASSERT_EQ(Simclrctl({"health"}).exit_code, 0);
  const std::string body = Scrape();
  EXPECT_THAT(body, HasSubstr("grpc_server_handled_total{grpc_code=\"OK\","
                              "grpc_method=\"Check\",grpc_service=\"grpc."
                              "health.v1.Health\",grpc_type=\"unary\"} 2"));
  EXPECT_THAT(body, HasSubstr("# TYPE grpc_server_handling_seconds histogram"));
  EXPECT_THAT(body, HasSubstr("process_resident_memory_bytes "));

  // Prometheus's own linter parses and checks the exposition.
  auto promtool = RunProcess({"/usr/bin/promtool", "check", "metrics"},
                             absl::Seconds(30), body);
  ASSERT_THAT(promtool, IsOk());
  EXPECT_EQ(promtool->exit_code, 0)
      << promtool->stdout_text << promtool->stderr_text;
}

TEST_F(SimclrdTest, AnEmptyEmbedRequestIsRefusedAndCountedInBothMetrics) {
  auto stub = v1::EmbeddingService::NewStub(Channel());
  grpc::ClientContext context;
  v1::EmbedResponse response;
  const grpc::Status status = stub->Embed(&context, {}, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), HasSubstr("images: 0 images"));
  const std::string body = Scrape();
  EXPECT_THAT(body, HasSubstr("grpc_code=\"INVALID_ARGUMENT\",grpc_method="
                              "\"Embed\",grpc_service=\"simclr.v1."
                              "EmbeddingService\",grpc_type=\"unary\"} 1"));
  EXPECT_THAT(body, HasSubstr("simclr_embed_requests_total{status=\"INVALID_ARGUMENT\"} 1"));
}

TEST_F(SimclrdTest, SecondServerOnTheSamePortRefusesToStart) {
  auto result = RunProcess(
      {SIMCLRD_PATH, "--port=" + std::to_string(server_->grpc_port()),
       "--metrics_port=-1", "--data_dir=" + work_dir_ + "/second"},
      absl::Seconds(30));
  ASSERT_THAT(result, IsOk());
  EXPECT_EQ(result->exit_code, 1);
  EXPECT_THAT(result->stderr_text, HasSubstr("cannot listen"));
}

TEST(SimclrdFlagsTest, BadFlagsFailClearlyWithoutServing) {
  const std::string dir = TestWorkDir();
  struct Case {
    std::vector<std::string> flags;
    int exit_code;
    const char* message;
  };
  const Case cases[] = {
      {{"--device=gpu"}, 1, "--device"},
      {{"--device=cuda:255"}, 1, "CUDA device"},
      {{"--num_threads=-3"}, 1, "--num_threads"},
      {{"--port=70000"}, 1, "--port 70000"},
      {{"--data_dir="}, 1, "--data_dir"},
      {{"--data_dir=/proc/simclr"}, 1, "--data_dir /proc/simclr"},
      {{"--port=notanumber"}, 1, "port"},
  };
  for (const auto& c : cases) {
    std::vector<std::string> argv = {SIMCLRD_PATH, "--port=0",
                                     "--metrics_port=-1",
                                     "--data_dir=" + dir + "/data"};
    argv.insert(argv.end(), c.flags.begin(), c.flags.end());
    auto result = RunProcess(argv, absl::Seconds(30));
    ASSERT_THAT(result, IsOk());
    EXPECT_EQ(result->exit_code, c.exit_code) << c.flags[0] << "\n"
                                              << result->stderr_text;
    EXPECT_THAT(result->stderr_text, HasSubstr(c.message)) << c.flags[0];
  }
}

TEST(SimclrctlTest, UnreachableServerExitsOneNamingTheAddress) {
  auto result = RunProcess(
      {SIMCLRCTL_PATH, "--server", "127.0.0.1:1", "--timeout", "2", "health"},
      absl::Seconds(30));
  ASSERT_THAT(result, IsOk());
  EXPECT_EQ(result->exit_code, 1);
  EXPECT_THAT(result->stderr_text, HasSubstr("127.0.0.1:1"));
  EXPECT_THAT(result->stderr_text, HasSubstr("UNAVAILABLE"));
}

TEST(SimclrctlTest, BadUsageExitsTwo) {
  for (const std::vector<std::string>& args : {std::vector<std::string>{},
                                               {"nosuchcommand"},
                                               {"--timeout", "-1", "health"}}) {
    std::vector<std::string> argv = {SIMCLRCTL_PATH};
    argv.insert(argv.end(), args.begin(), args.end());
    auto result = RunProcess(argv, absl::Seconds(30));
    ASSERT_THAT(result, IsOk());
    EXPECT_EQ(result->exit_code, 2) << result->stderr_text;
  }
}

}  // namespace
}  // namespace simclr
