// How JobManager starts a job's worker: behind an interface, so that unit
// tests drive the queue, restarts and stop requests with an in-process fake
// (tests/server/jobs/fake_worker_launcher.h) and e2e tests with real
// simclr-worker processes.
//
// Contract for both: on_event runs for each event and on_exit exactly once,
// after the last event, on a thread of the launcher's (never inside a call
// JobManager makes, which holds its lock). A Worker is destroyed only after
// on_exit has run.
#ifndef SIMCLR_SERVER_JOBS_WORKER_LAUNCHER_H_
#define SIMCLR_SERVER_JOBS_WORKER_LAUNCHER_H_

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "server/jobs/worker_process.h"
#include "simclr/v1/job.pb.h"

namespace simclr::server {

class Worker {
 public:
  virtual ~Worker() = default;
  virtual int pid() const = 0;
  // SIGTERM asks for a checkpoint and a stop; SIGKILL ends it.
  virtual void Signal(int signal_number) = 0;
};

class WorkerLauncher {
 public:
  using EventCallback = std::function<void(v1::JobEvent)>;
  using ExitCallback = std::function<void(const WorkerExit&)>;
  virtual ~WorkerLauncher() = default;
  // argv is core::WorkerArgv()'s command line, `env` ("NAME=value") what
  // the worker's environment adds (a rank's RANK, WORLD_SIZE, ...); the
  // worker's stderr goes to `stderr_path`.
  virtual absl::StatusOr<std::unique_ptr<Worker>> Launch(
      const std::vector<std::string>& argv, const std::vector<std::string>& env,
      const std::string& stderr_path, EventCallback on_event, ExitCallback on_exit) = 0;
};

// simclr-worker processes (WorkerProcess).
std::unique_ptr<WorkerLauncher> NewProcessLauncher();

}  // namespace simclr::server

#endif  // SIMCLR_SERVER_JOBS_WORKER_LAUNCHER_H_
