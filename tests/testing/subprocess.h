// Running the project's real binaries from tests.
//
// RunProcess() runs a command to completion and captures its output;
// ChildProcess keeps a long-lived one (simclrd) running, with its output in
// a log file, and kills it when the test ends.
#ifndef SIMCLR_TESTS_TESTING_SUBPROCESS_H_
#define SIMCLR_TESTS_TESTING_SUBPROCESS_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include <sys/types.h>

namespace simclr::testing {

struct ProcessResult {
  // The exit code, or -1 when killed by a signal.
  int exit_code = -1;
  // The signal that killed it, or 0.
  int term_signal = 0;
  std::string stdout_text;
  std::string stderr_text;
};

// Runs argv[0] (a path) with `stdin_text` on its standard input. After
// `timeout` the process is killed and DEADLINE_EXCEEDED returned.
absl::StatusOr<ProcessResult> RunProcess(const std::vector<std::string>& argv,
                                         absl::Duration timeout,
                                         const std::string& stdin_text = "");

class ChildProcess {
 public:
  // Starts argv with stdout and stderr appended to `log_path`, or stderr
  // to `stderr_path` when that is given.
  static absl::StatusOr<ChildProcess> Start(
      const std::vector<std::string>& argv, const std::string& log_path,
      const std::string& stderr_path = "");
  ChildProcess(ChildProcess&& other) noexcept;
  ChildProcess& operator=(ChildProcess&&) = delete;
  // SIGKILLs the process if it still runs.
  ~ChildProcess();

  pid_t pid() const { return pid_; }
  bool Signal(int signal_number) const;
  // Waits for exit; DEADLINE_EXCEEDED if it is still running after
  // `timeout` (it is left running).
  absl::StatusOr<ProcessResult> Wait(absl::Duration timeout);
  // Whether it has exited (reaping it if so).
  bool HasExited();
  const std::string& log_path() const { return log_path_; }

 private:
  ChildProcess(pid_t pid, std::string log_path)
      : pid_(pid), log_path_(std::move(log_path)) {}

  pid_t pid_ = -1;
  bool reaped_ = false;
  int wait_status_ = 0;
  std::string log_path_;
};

// The contents of a file, or "" if it cannot be read.
std::string ReadFileOrEmpty(const std::string& path);

}  // namespace simclr::testing

#endif  // SIMCLR_TESTS_TESTING_SUBPROCESS_H_
