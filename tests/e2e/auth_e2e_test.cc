// Bearer-token authentication through the real binaries: with
// --auth_tokens_file every simclr.v1 call needs a listed token
// (UNAUTHENTICATED otherwise, from simclrctl and from C++ clients alike),
// health stays open, and a bad tokens file (missing, empty, or a line
// without its principal) stops simclrd from starting.
#include <signal.h>

#include <fstream>
#include <optional>
#include <string>

#include "client/channel.h"
#include "client/checkpoint_client.h"
#include "client/dataset_client.h"
#include "client/job_client.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/e2e/simclrd_process.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/subprocess.h"

namespace simclr {
namespace {

using ::simclr::testing::ExpectCleanStop;
using ::simclr::testing::IsOk;
using ::simclr::testing::RunProcess;
using ::simclr::testing::SimclrdProcess;
using ::simclr::testing::StatusIs;
using ::simclr::testing::TestWorkDir;
using ::testing::HasSubstr;

TEST(AuthTest, EveryServiceNeedsAListedTokenButHealthDoesNot) {
  const std::string dir = TestWorkDir();
  std::ofstream(dir + "/tokens") << "# operators\nalpha-secret alpha\n\n  beta-secret beta admin \n";
  auto server = SimclrdProcess::Start(dir, {"--auth_tokens_file=" + dir + "/tokens"});
  ASSERT_THAT(server, IsOk());
  auto ctl = [&](const std::vector<std::string>& args,
                 const std::string& token) -> testing::ProcessResult {
    std::vector<std::string> argv = args;
    if (!token.empty()) argv.insert(argv.begin(), "--token=" + token);
    return testing::RunSimclrctl(*server, argv, absl::Seconds(30));
  };
  EXPECT_EQ(ctl({"health"}, "").exit_code, 0);
  for (const auto& command : std::vector<std::vector<std::string>>{
           {"jobs", "list"}, {"datasets", "list"}, {"checkpoints", "list"}}) {
    const auto anonymous = ctl(command, "");
    EXPECT_EQ(anonymous.exit_code, 1) << command[0];
    EXPECT_THAT(anonymous.stderr_text, HasSubstr("UNAUTHENTICATED"));
    const auto wrong = ctl(command, "alpha-secreT");
    EXPECT_EQ(wrong.exit_code, 1) << command[0];
    EXPECT_THAT(wrong.stderr_text, HasSubstr("unknown bearer token"));
    EXPECT_EQ(ctl(command, "beta-secret").exit_code, 0) << command[0];
  }
  // The C++ clients, on a channel with and without the token.
  const auto open = client::CreateChannel({server->address(), ""});
  const auto signed_in = client::CreateChannel({server->address(), "alpha-secret"});
  EXPECT_THAT(client::JobClient(open, absl::Seconds(10)).Get("job-1"),
              StatusIs(absl::StatusCode::kUnauthenticated));
  EXPECT_THAT(client::JobClient(signed_in, absl::Seconds(10)).Get("job-1"),
              StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(client::DatasetClient(open, absl::Seconds(10)).List(),
              StatusIs(absl::StatusCode::kUnauthenticated));
  EXPECT_THAT(client::CheckpointClient(open, absl::Seconds(10))
                  .Download("ckpt-1-1", "encoder.pt", dir + "/x"),
              StatusIs(absl::StatusCode::kUnauthenticated));
  ExpectCleanStop(*server);
}

TEST(AuthTest, AMissingOrEmptyTokensFileStopsTheStart) {
  const std::string dir = TestWorkDir();
  std::ofstream(dir + "/empty") << "# nothing here\n";
  std::ofstream(dir + "/old_format") << "a-token-without-principal\n";
  for (const std::string& file : {dir + "/absent", dir + "/empty", dir + "/old_format"}) {
    auto result = RunProcess({SIMCLRD_PATH, "--port=0", "--metrics_port=-1",
                              "--data_dir=" + dir + "/data",
                              "--auth_tokens_file=" + file},
                             absl::Seconds(30));
    ASSERT_THAT(result, IsOk());
    EXPECT_EQ(result->exit_code, 1);
    EXPECT_THAT(result->stderr_text, HasSubstr("--auth_tokens_file " + file));
  }
}

}  // namespace
}  // namespace simclr
