// The server's own policies through the real binaries: which local paths
// a spec may name (--allow_local_paths), which addresses a server without
// tokens may listen on, and a tokens file reloaded by SIGHUP while a call
// of a removed user carries on.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <thread>

#include "absl/strings/str_replace.h"
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

v1::JobSpec PretrainOn(const std::string& path) {
  auto spec = core::ParseJobSpecJson(
      absl::StrCat(R"({"pretrain": {"data": {"train": {"local": {"format": "DATASET_FORMAT_IDX",
                   "path": ")", path, R"("}}},
                   "encoder": {"builtin": {"arch": "ARCHITECTURE_SMALL_CNN"}}}})"),
      "test");
  EXPECT_THAT(spec, IsOk());
  return spec.value_or(v1::JobSpec());
}

TEST(ServerPolicyTest, LocalPathsOnlyInsideTheAllowedRootsAndOneAnswerForTheRest) {
  const std::string dir = TestWorkDir();
  const std::string root = dir + "/allowed";
  fs::create_directories(root);
  const std::string inside = testing::WriteSmallIdx(root, 8);
  std::ofstream(dir + "/outside.idx") << "first bytes of a private file";
  fs::create_symlink(dir + "/outside.idx", root + "/escape.idx");
  auto server = SimclrdProcess::Start(dir, {"--allow_local_paths=" + root});
  ASSERT_THAT(server, IsOk());
  client::JobClient jobs(ChannelAs(*server, ""), absl::Seconds(30));
  EXPECT_THAT(jobs.Submit(PretrainOn(inside), "", /*validate_only=*/true), IsOk());

  auto refusal = [&](const std::string& path) {
    auto job = jobs.Submit(PretrainOn(path));
    EXPECT_THAT(job, StatusIs(absl::StatusCode::kPermissionDenied)) << path;
    EXPECT_THAT(job.status().message(), ::testing::Not(HasSubstr("private")));
    return absl::StrReplaceAll(job.status().message(), {{path, "P"}});
  };
  const std::string outside = refusal(dir + "/outside.idx");
  EXPECT_THAT(outside, HasSubstr("spec.pretrain.data.train.local.path: \"P\""));
  EXPECT_EQ(refusal(dir + "/absent.idx"), outside);
  EXPECT_EQ(refusal(root + "/absent.idx"), outside);
  EXPECT_EQ(refusal(root + "/escape.idx"), outside);
  EXPECT_EQ(refusal("/etc/shadow"), outside);
  EXPECT_EQ(refusal("/etc/passwd"), outside);
  auto all = jobs.List();
  ASSERT_THAT(all, IsOk());
  EXPECT_TRUE(all->empty());  // nothing refused was stored
  ExpectCleanStop(*server);
}

TEST(ServerPolicyTest, WithoutTokensOnlyLoopbackUnlessInsecureNoAuth) {
  const std::string dir = TestWorkDir();
  auto refused = testing::RunProcess({SIMCLRD_PATH, "--host=0.0.0.0", "--port=0",
                                      "--metrics_port=-1", "--data_dir=" + dir + "/data"},
                                     absl::Seconds(30));
  ASSERT_THAT(refused, IsOk());
  EXPECT_EQ(refused->exit_code, 1);
  EXPECT_THAT(refused->stderr_text, HasSubstr("--insecure_no_auth"));
  auto allowed = SimclrdProcess::Start(dir, {"--host=0.0.0.0", "--insecure_no_auth"});
  ASSERT_THAT(allowed, IsOk());
  EXPECT_THAT(client::JobClient(ChannelAs(*allowed, ""), absl::Seconds(10)).List(), IsOk());
  ExpectCleanStop(*allowed);
}

// An HTTP GET of /metrics on host:port; the reply, or "" when nothing listens.
std::string GetMetrics(const std::string& host, int port) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(port));
  inet_pton(AF_INET, host.c_str(), &address.sin_addr);
  std::string reply;
  if (connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0) {
    const std::string request = "GET /metrics HTTP/1.0\r\nHost: x\r\n\r\n";
    if (write(fd, request.data(), request.size()) == static_cast<ssize_t>(request.size())) {
      char buffer[4096];
      for (ssize_t got; (got = read(fd, buffer, sizeof(buffer))) > 0;) reply.append(buffer, got);
    }
  }
  close(fd);
  return reply;
}

TEST(ServerPolicyTest, MetricsBindToTheirOwnHostAndCarryNoIds) {
  const std::string dir = TestWorkDir();
  auto server = SimclrdProcess::Start(dir, {"--metrics_host=127.0.0.2"});
  ASSERT_THAT(server, IsOk());
  auto dataset = testing::UploadSmallDataset(*server, "", dir);
  ASSERT_THAT(dataset, IsOk());
  const std::string metrics = GetMetrics("127.0.0.2", server->metrics_port());
  EXPECT_THAT(metrics, HasSubstr("simclr_jobs"));
  EXPECT_THAT(metrics, ::testing::Not(HasSubstr(dataset->id())));
  EXPECT_EQ(GetMetrics("127.0.0.1", server->metrics_port()), "");  // not on --host
  ExpectCleanStop(*server);
}

TEST(ServerPolicyTest, SighupReloadsTheTokensAndCallsInFlightCarryOn) {
  const std::string dir = TestWorkDir();
  const std::string tokens = dir + "/tokens";
  std::ofstream(tokens) << testing::Tokens().at("alice") << " alice\n"
                        << testing::Tokens().at("root") << " root admin\n";
  auto server = SimclrdProcess::Start(dir, {"--auth_tokens_file=" + tokens, "--worker_threads=1"});
  ASSERT_THAT(server, IsOk());
  auto dataset = testing::UploadSmallDataset(*server, "alice", dir);
  ASSERT_THAT(dataset, IsOk());
  client::JobClient alice(ChannelAs(*server, "alice"), absl::Seconds(30));
  auto job = alice.Submit(testing::ShortPretrain(dataset->id(), 500));
  ASSERT_THAT(job, IsOk());
  EXPECT_EQ(client::JobClient(ChannelAs(*server, "bob"), absl::Seconds(10)).List().status().code(),
            absl::StatusCode::kUnauthenticated);

  // Alice's watch starts before her token goes and keeps its events coming.
  std::atomic<int> events{0};
  std::atomic<bool> reloaded{false};
  std::atomic<int> after_reload{0};
  std::thread watcher([&] {
    alice.Watch(job->id(), 0, [&](const v1::JobEvent&) {
      ++events;
      if (reloaded) ++after_reload;
    }).IgnoreError();
  });
  for (int i = 0; i < 300 && events < 3; ++i) absl::SleepFor(absl::Milliseconds(100));
  std::ofstream(tokens) << testing::Tokens().at("bob") << " bob\n"
                        << testing::Tokens().at("root") << " root admin\n";
  ASSERT_TRUE(server->process().Signal(SIGHUP));
  client::JobClient bob(ChannelAs(*server, "bob"), absl::Seconds(10));
  bool bob_in = false;
  for (int i = 0; i < 100 && !bob_in; ++i) {
    bob_in = bob.List().ok();
    if (!bob_in) absl::SleepFor(absl::Milliseconds(100));
  }
  EXPECT_TRUE(bob_in);
  reloaded = true;
  EXPECT_EQ(client::JobClient(ChannelAs(*server, "alice"), absl::Seconds(10))
                .List().status().code(),
            absl::StatusCode::kUnauthenticated);
  for (int i = 0; i < 300 && after_reload < 2; ++i) absl::SleepFor(absl::Milliseconds(100));
  EXPECT_GE(after_reload, 2);

  std::ofstream(tokens) << "not a tokens file\n";
  ASSERT_TRUE(server->process().Signal(SIGHUP));
  absl::SleepFor(absl::Seconds(1));
  EXPECT_THAT(bob.List(), IsOk());  // the previous table stays
  EXPECT_THAT(server->log(), HasSubstr("SIGHUP"));
  client::JobClient root(ChannelAs(*server, "root"), absl::Seconds(30));
  EXPECT_THAT(root.Cancel(job->id()), IsOk());
  watcher.join();
  ExpectCleanStop(*server);
}

}  // namespace
}  // namespace simclr
