// A real simclrd for end-to-end tests: started on free loopback ports
// (--port 0, --metrics_port 0), ready once its --ready_file appears.
#ifndef SIMCLR_TESTS_E2E_SIMCLRD_PROCESS_H_
#define SIMCLR_TESTS_E2E_SIMCLRD_PROCESS_H_

#include <signal.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "tests/testing/subprocess.h"
#include "tests/testing/test_dirs.h"

namespace simclr::testing {

class SimclrdProcess {
 public:
  // Starts simclrd with a fresh data dir under `work_dir` plus `extra_flags`
  // and waits until it is ready (or has exited: FAILED_PRECONDITION with
  // its log). Unless `extra_flags` sets --allow_local_paths, specs may name
  // files in `work_dir` and Debian's datasets, as an operator of a trusted
  // deployment would allow.
  static absl::StatusOr<SimclrdProcess> Start(
      const std::string& work_dir,
      const std::vector<std::string>& extra_flags = {}) {
    std::filesystem::create_directories(work_dir);
    const std::string ready_file = work_dir + "/ready.json";
    std::filesystem::remove(ready_file);
    std::vector<std::string> argv = {
        SIMCLRD_PATH, "--port=0", "--metrics_port=0",
        "--data_dir=" + work_dir + "/data", "--ready_file=" + ready_file};
    argv.insert(argv.end(), extra_flags.begin(), extra_flags.end());
    if (std::none_of(extra_flags.begin(), extra_flags.end(), [](const std::string& flag) {
          return flag.rfind("--allow_local_paths", 0) == 0;
        })) {
      std::string roots = "--allow_local_paths=" + work_dir;
      if (std::filesystem::is_directory("/usr/share/datasets")) roots += ",/usr/share/datasets";
      argv.push_back(roots);
    }
    auto child = ChildProcess::Start(argv, work_dir + "/simclrd.log");
    if (!child.ok()) return child.status();

    const auto deadline =
        std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (!std::filesystem::exists(ready_file)) {
      if (child->HasExited() || std::chrono::steady_clock::now() > deadline) {
        return absl::FailedPreconditionError(
            absl::StrCat("simclrd did not become ready; log:\n",
                         ReadFileOrEmpty(child->log_path())));
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    int grpc_port = 0, metrics_port = 0;
    const std::string ready = ReadFileOrEmpty(ready_file);
    if (std::sscanf(ready.c_str(), "{\"grpc_port\": %d, \"metrics_port\": %d",
                    &grpc_port, &metrics_port) != 2) {
      return absl::DataLossError(absl::StrCat("bad ready file: ", ready));
    }
    return SimclrdProcess(std::move(child).value(), grpc_port, metrics_port);
  }

  std::string address() const { return absl::StrCat("127.0.0.1:", grpc_port_); }
  int grpc_port() const { return grpc_port_; }
  int metrics_port() const { return metrics_port_; }
  ChildProcess& process() { return process_; }
  std::string log() const { return ReadFileOrEmpty(process_.log_path()); }

 private:
  SimclrdProcess(ChildProcess process, int grpc_port, int metrics_port)
      : process_(std::move(process)),
        grpc_port_(grpc_port),
        metrics_port_(metrics_port) {}

  ChildProcess process_;
  int grpc_port_;
  int metrics_port_;
};

// A fresh directory for one test, under the build's temp space, removed
// when the test ends (tests/testing/test_dirs.h).
inline std::string TestWorkDir() {
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  const auto dir = std::filesystem::temp_directory_path() /
                   absl::StrCat("simclr-e2e-", getpid(), "-",
                                info->test_suite_name(), "-", info->name());
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return RemoveAtTestEnd(dir.string());
}

// simclrctl --server <server's address> args..., run to completion.
inline ProcessResult RunSimclrctl(const SimclrdProcess& server,
                                  const std::vector<std::string>& args,
                                  absl::Duration timeout = absl::Seconds(120)) {
  std::vector<std::string> argv = {SIMCLRCTL_PATH, "--server", server.address()};
  argv.insert(argv.end(), args.begin(), args.end());
  auto result = RunProcess(argv, timeout);
  EXPECT_TRUE(result.ok()) << result.status();
  return result.ok() ? *result : ProcessResult{};
}

// How a test ends its server: SIGTERM, and exit code 0 within `timeout`.
inline void ExpectCleanStop(SimclrdProcess& server,
                            absl::Duration timeout = absl::Seconds(60)) {
  ASSERT_TRUE(server.process().Signal(SIGTERM));
  auto result = server.process().Wait(timeout);
  ASSERT_TRUE(result.ok()) << result.status() << "\n" << server.log();
  EXPECT_EQ(result->exit_code, 0) << server.log();
}

}  // namespace simclr::testing

#endif  // SIMCLR_TESTS_E2E_SIMCLRD_PROCESS_H_
