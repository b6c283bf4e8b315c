// TLS and mTLS through the real binaries, with certificates made by the
// openssl CLI for this test: simclrctl over TLS with the CA, a plaintext
// client refused, and with --tls_client_ca a client without a certificate
// refused while one with a CA-signed certificate gets in.
#include <signal.h>

#include <fstream>
#include <string>
#include <vector>

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
using ::simclr::testing::TestWorkDir;
using ::testing::HasSubstr;

// A CA, a server certificate for 127.0.0.1 and a client certificate.
void MakeCertificates(const std::string& dir) {
  const std::string script = R"(set -e
cd ")" + dir + R"("
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=test-ca \
  -keyout ca.key -out ca.pem 2>/dev/null
for who in server client; do
  openssl req -newkey rsa:2048 -nodes -subj /CN=$who -keyout $who.key \
    -out $who.csr 2>/dev/null
  printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\n' > $who.ext
  openssl x509 -req -in $who.csr -CA ca.pem -CAkey ca.key -CAcreateserial \
    -days 2 -extfile $who.ext -out $who.pem 2>/dev/null
done
)";
  auto result = RunProcess({"/bin/bash", "-c", script}, absl::Seconds(60));
  ASSERT_THAT(result, IsOk());
  ASSERT_EQ(result->exit_code, 0) << result->stderr_text;
}

int Ctl(const SimclrdProcess& server, std::vector<std::string> args,
        std::string* stderr_text = nullptr) {
  args.insert(args.begin(), {"--timeout", "5"});
  const auto result = testing::RunSimclrctl(server, args, absl::Seconds(30));
  if (stderr_text != nullptr) *stderr_text = result.stderr_text;
  return result.exit_code;
}

TEST(TlsTest, ServesTlsAndWithAClientCaRequiresClientCertificates) {
  const std::string dir = TestWorkDir();
  MakeCertificates(dir);
  {
    auto server = SimclrdProcess::Start(
        dir + "/tls", {"--tls_cert=" + dir + "/server.pem", "--tls_key=" + dir + "/server.key"});
    ASSERT_THAT(server, IsOk());
    EXPECT_EQ(Ctl(*server, {"--tls_ca", dir + "/ca.pem", "health"}), 0);
    EXPECT_EQ(Ctl(*server, {"--tls_ca", dir + "/ca.pem", "jobs", "list"}), 0);
    std::string error;
    EXPECT_EQ(Ctl(*server, {"jobs", "list"}, &error), 1);  // plaintext
    EXPECT_THAT(error, HasSubstr("UNAVAILABLE"));
    ExpectCleanStop(*server);
  }
  {
    auto server = SimclrdProcess::Start(
        dir + "/mtls", {"--tls_cert=" + dir + "/server.pem", "--tls_key=" + dir + "/server.key",
                        "--tls_client_ca=" + dir + "/ca.pem"});
    ASSERT_THAT(server, IsOk());
    EXPECT_EQ(Ctl(*server, {"--tls_ca", dir + "/ca.pem", "jobs", "list"}), 1);
    EXPECT_EQ(Ctl(*server, {"--tls_ca", dir + "/ca.pem", "--tls_cert", dir + "/client.pem",
                            "--tls_key", dir + "/client.key", "jobs", "list"}),
              0);
    ExpectCleanStop(*server);
  }
}

TEST(TlsTest, HalfATlsConfigurationStopsTheStart) {
  const std::string dir = TestWorkDir();
  std::ofstream(dir + "/not.pem") << "not a certificate\n";
  for (const auto& flags : std::vector<std::vector<std::string>>{
           {"--tls_cert=" + dir + "/not.pem"},
           {"--tls_cert=" + dir + "/not.pem", "--tls_key=" + dir + "/not.pem"},
           {"--tls_client_ca=" + dir + "/not.pem"}}) {
    std::vector<std::string> argv = {SIMCLRD_PATH, "--port=0", "--metrics_port=-1",
                                     "--data_dir=" + dir + "/data"};
    argv.insert(argv.end(), flags.begin(), flags.end());
    auto result = RunProcess(argv, absl::Seconds(30));
    ASSERT_THAT(result, IsOk());
    EXPECT_EQ(result->exit_code, 1) << flags[0];
    EXPECT_THAT(result->stderr_text, HasSubstr("--tls_")) << flags[0];
  }
}

}  // namespace
}  // namespace simclr
