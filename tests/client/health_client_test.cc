// The health client against an in-process gRPC server with gRPC's own
// health service; the real simclrd is covered in tests/e2e.
#include "client/health_client.h"

#include <memory>

#include "client/channel.h"
#include "gmock/gmock.h"
#include "grpcpp/health_check_service_interface.h"
#include "grpcpp/security/server_credentials.h"
#include "grpcpp/server.h"
#include "grpcpp/server_builder.h"
#include "gtest/gtest.h"
#include "simclr/v1/job.grpc.pb.h"
#include "tests/testing/status_matchers.h"

namespace simclr::client {
namespace {

using ::simclr::testing::IsOk;
using ::simclr::testing::StatusIs;

class HealthClientTest : public ::testing::Test {
 protected:
  void SetUp() override {
    grpc::EnableDefaultHealthCheckService(true);
    grpc::ServerBuilder builder;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(),
                             &port_);
    // gRPC will not start a server without at least one service of ours.
    builder.RegisterService(&job_service_);
    server_ = builder.BuildAndStart();
    ASSERT_NE(server_, nullptr);
    ChannelOptions options;
    options.target = "127.0.0.1:" + std::to_string(port_);
    channel_ = CreateChannel(options);
  }
  void TearDown() override {
    if (server_) server_->Shutdown();
  }

  int port_ = 0;
  v1::JobService::CallbackService job_service_;
  std::unique_ptr<grpc::Server> server_;
  std::shared_ptr<grpc::Channel> channel_;
};

TEST_F(HealthClientTest, ReportsServingThenNotServing) {
  auto serving = CheckHealth(*channel_, "", absl::Seconds(5));
  ASSERT_THAT(serving, IsOk());
  EXPECT_EQ(*serving, "SERVING");

  server_->GetHealthCheckService()->SetServingStatus(false);
  serving = CheckHealth(*channel_, "", absl::Seconds(5));
  ASSERT_THAT(serving, IsOk());
  EXPECT_EQ(*serving, "NOT_SERVING");
}

TEST_F(HealthClientTest, UnknownServiceIsNotFound) {
  EXPECT_THAT(CheckHealth(*channel_, "no.such.Service", absl::Seconds(5)),
              StatusIs(absl::StatusCode::kNotFound, ::testing::_));
}

TEST(HealthClientNoServerTest, NothingListeningIsUnavailable) {
  ChannelOptions options;
  options.target = "127.0.0.1:1";  // reserved; nothing listens there
  auto channel = CreateChannel(options);
  EXPECT_THAT(CheckHealth(*channel, "", absl::Seconds(2)),
              StatusIs(absl::StatusCode::kUnavailable, ::testing::_));
}

}  // namespace
}  // namespace simclr::client
