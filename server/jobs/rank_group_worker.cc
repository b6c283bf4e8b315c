#include "server/jobs/rank_group_worker.h"

#include <signal.h>

#include <utility>

#include "absl/synchronization/mutex.h"
#include "core/worker/worker_protocol.h"

namespace simclr::server {
namespace {

bool IsCrash(const WorkerExit& e) {
  if (e.term_signal != 0 || !e.stream_error.empty()) return true;
  return e.exit_code != core::kExitSucceeded && e.exit_code != core::kExitFailed &&
         e.exit_code != core::kExitStopped && e.exit_code != core::kExitPeerLost;
}

// What the ranks share: their workers, exits and callbacks.
struct GroupState {
  absl::Mutex mu;
  std::vector<std::unique_ptr<Worker>> workers ABSL_GUARDED_BY(mu);
  std::vector<WorkerExit> exits ABSL_GUARDED_BY(mu);
  int running ABSL_GUARDED_BY(mu) = 0;
  bool failure_reported ABSL_GUARDED_BY(mu) = false;
  bool stopping_others ABSL_GUARDED_BY(mu) = false;
  // Set when the launch failed part way: callbacks then do nothing.
  bool abandoned ABSL_GUARDED_BY(mu) = false;
  WorkerLauncher::EventCallback on_event;
  WorkerLauncher::ExitCallback on_exit;

  void OnEvent(int rank, v1::JobEvent event) {
    {
      absl::MutexLock lock(&mu);
      if (abandoned) return;
      if (rank != 0) {
        if (!event.has_failure() || failure_reported) return;
      }
      if (event.has_failure()) failure_reported = true;
    }
    on_event(std::move(event));
  }

  void OnExit(int rank, const WorkerExit& exit) {
    std::vector<WorkerExit> all;
    {
      absl::MutexLock lock(&mu);
      if (abandoned) return;
      exits[rank] = exit;
      if (exit.exit_code != core::kExitSucceeded || exit.term_signal != 0) {
        if (!stopping_others) {
          stopping_others = true;
          for (auto& worker : workers) {
            if (worker != nullptr) worker->Signal(SIGTERM);
          }
        }
      }
      if (--running > 0) return;
      all = exits;
    }
    on_exit(GroupExit(all));
  }
};

class RankGroupWorker : public Worker {
 public:
  explicit RankGroupWorker(std::shared_ptr<GroupState> state) : state_(std::move(state)) {}
  // Joins every rank's reader (all have exited: on_exit has run).
  ~RankGroupWorker() override {
    std::vector<std::unique_ptr<Worker>> workers;
    {
      absl::MutexLock lock(&state_->mu);
      workers.swap(state_->workers);
    }
  }
  int pid() const override {
    absl::MutexLock lock(&state_->mu);
    return state_->workers.empty() ? -1 : state_->workers[0]->pid();
  }
  void Signal(int signal_number) override {
    absl::MutexLock lock(&state_->mu);
    for (auto& worker : state_->workers) worker->Signal(signal_number);
  }

 private:
  std::shared_ptr<GroupState> state_;
};

}  // namespace

WorkerExit GroupExit(const std::vector<WorkerExit>& exits) {
  for (const WorkerExit& e : exits) {
    if (IsCrash(e)) return e;
  }
  for (const int code : {core::kExitFailed, core::kExitPeerLost, core::kExitStopped}) {
    for (const WorkerExit& e : exits) {
      if (e.exit_code == code) return e;
    }
  }
  return exits.empty() ? WorkerExit{} : exits.front();
}

absl::StatusOr<std::unique_ptr<Worker>> LaunchRankGroup(
    WorkerLauncher& launcher, const std::vector<RankLaunch>& ranks,
    WorkerLauncher::EventCallback on_event, WorkerLauncher::ExitCallback on_exit) {
  auto state = std::make_shared<GroupState>();
  state->on_event = std::move(on_event);
  state->on_exit = std::move(on_exit);
  {
    absl::MutexLock lock(&state->mu);
    state->exits.resize(ranks.size());
    state->workers.resize(ranks.size());
    state->running = static_cast<int>(ranks.size());
  }
  for (size_t r = 0; r < ranks.size(); ++r) {
    const int rank = static_cast<int>(r);
    auto worker = launcher.Launch(
        ranks[r].argv, ranks[r].env, ranks[r].stderr_path,
        [state, rank](v1::JobEvent event) { state->OnEvent(rank, std::move(event)); },
        [state, rank](const WorkerExit& exit) { state->OnExit(rank, exit); });
    if (!worker.ok()) {
      std::vector<std::unique_ptr<Worker>> started;
      {
        absl::MutexLock lock(&state->mu);
        state->abandoned = true;
        started.swap(state->workers);
      }
      for (auto& s : started) {
        if (s != nullptr) s->Signal(SIGKILL);
      }
      started.clear();  // joins their readers once the processes are gone
      return worker.status();
    }
    absl::MutexLock lock(&state->mu);
    state->workers[r] = *std::move(worker);
  }
  return std::unique_ptr<Worker>(new RankGroupWorker(state));
}

}  // namespace simclr::server
