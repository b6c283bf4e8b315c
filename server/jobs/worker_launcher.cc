#include "server/jobs/worker_launcher.h"

#include <utility>

#include "core/common/status_macros.h"

namespace simclr::server {
namespace {

class ProcessWorker : public Worker {
 public:
  explicit ProcessWorker(std::unique_ptr<WorkerProcess> process)
      : process_(std::move(process)) {}
  int pid() const override { return process_->pid(); }
  void Signal(int signal_number) override { process_->Signal(signal_number); }

 private:
  std::unique_ptr<WorkerProcess> process_;
};

class ProcessLauncher : public WorkerLauncher {
 public:
  absl::StatusOr<std::unique_ptr<Worker>> Launch(
      const std::vector<std::string>& argv, const std::vector<std::string>& env,
      const std::string& stderr_path, EventCallback on_event, ExitCallback on_exit) override {
    SIMCLR_ASSIGN_OR_RETURN(
        auto process, WorkerProcess::Start(argv, env, stderr_path, std::move(on_event),
                                           std::move(on_exit)));
    return std::unique_ptr<Worker>(new ProcessWorker(std::move(process)));
  }
};

}  // namespace

std::unique_ptr<WorkerLauncher> NewProcessLauncher() {
  return std::make_unique<ProcessLauncher>();
}

}  // namespace simclr::server
