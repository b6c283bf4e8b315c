// One simclr-worker child process: started with its stdout on a pipe (the
// length-delimited JobEvent stream) and its stderr in a file, read by a
// thread that hands every event to a callback and, at the end, reports how
// the process exited.
#ifndef SIMCLR_SERVER_JOBS_WORKER_PROCESS_H_
#define SIMCLR_SERVER_JOBS_WORKER_PROCESS_H_

#include <sys/types.h>

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "simclr/v1/job.pb.h"

namespace simclr::server {

struct WorkerExit {
  int exit_code = 0;    // valid when term_signal == 0
  int term_signal = 0;  // the signal that killed it, or 0
  // A malformed event stream (the worker is then killed).
  std::string stream_error;
};

class WorkerProcess {
 public:
  using EventCallback = std::function<void(v1::JobEvent)>;
  using ExitCallback = std::function<void(const WorkerExit&)>;

  // Starts argv (argv[0] is a path) with stderr appended to `stderr_path`
  // and `env` ("NAME=value") added to simclrd's environment.
  // on_event runs on the reader thread for every event; on_exit runs once,
  // on that thread, after the last event and the exit.
  static absl::StatusOr<std::unique_ptr<WorkerProcess>> Start(
      const std::vector<std::string>& argv, const std::vector<std::string>& env,
      const std::string& stderr_path, EventCallback on_event, ExitCallback on_exit);
  // Joins the reader thread (the process must have exited, or be killed).
  ~WorkerProcess();

  pid_t pid() const { return pid_; }
  // Sends a signal if the process has not been reaped yet.
  void Signal(int signal_number);

 private:
  WorkerProcess() = default;
  void ReadLoop(int fd, const EventCallback& on_event,
                const ExitCallback& on_exit);

  pid_t pid_ = -1;
  std::atomic<bool> reaped_{false};
  std::thread reader_;
};

// The last `lines` lines of a text file (the worker's stderr).
std::vector<std::string> TailLines(const std::string& path, int lines);

}  // namespace simclr::server

#endif  // SIMCLR_SERVER_JOBS_WORKER_PROCESS_H_
