// An in-process WorkerLauncher for JobManager's unit tests: it records each
// launch, and the test makes a worker emit events and exit. A SIGTERM is
// answered as a real worker does, with a checkpoint-and-stop exit
// (kExitStopped), and a SIGKILL with death by that signal, each on a thread
// of the launcher's, as the WorkerLauncher contract asks.
#ifndef SIMCLR_TESTS_SERVER_JOBS_FAKE_WORKER_LAUNCHER_H_
#define SIMCLR_TESTS_SERVER_JOBS_FAKE_WORKER_LAUNCHER_H_

#include <signal.h>

#include <algorithm>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "core/worker/worker_protocol.h"
#include "server/jobs/worker_launcher.h"

namespace simclr::testing {

class FakeWorkerLauncher : public server::WorkerLauncher {
 public:
  ~FakeWorkerLauncher() override {
    std::vector<std::thread> threads;
    {
      absl::MutexLock lock(&mu_);
      threads.swap(threads_);
    }
    for (auto& t : threads) t.join();
  }

  absl::StatusOr<std::unique_ptr<server::Worker>> Launch(
      const std::vector<std::string>& argv, const std::vector<std::string>& env,
      const std::string& stderr_path, EventCallback on_event, ExitCallback on_exit) override {
    absl::MutexLock lock(&mu_);
    auto state = std::make_shared<State>();
    state->argv = argv;
    state->env = env;
    state->on_event = std::move(on_event);
    state->on_exit = std::move(on_exit);
    workers_.push_back(state);
    return std::unique_ptr<server::Worker>(
        new Handle(this, state, static_cast<int>(workers_.size())));
  }

  // Waits up to 10 s for `n` launches in all; returns how many there are.
  size_t AwaitLaunches(size_t n) {
    absl::MutexLock lock(&mu_);
    auto enough = [this, n]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
      return workers_.size() >= n;
    };
    mu_.AwaitWithTimeout(absl::Condition(&enough), absl::Seconds(10));
    return workers_.size();
  }
  size_t launches() {
    absl::MutexLock lock(&mu_);
    return workers_.size();
  }
  // The job id of launch `i`, from its spec path (.../jobs/ID/spec.json).
  std::string JobOf(size_t i) { return JobIdIn(ArgAfter(i, "--spec")); }
  // "run" or "resume".
  std::string Command(size_t i) {
    absl::MutexLock lock(&mu_);
    return workers_[i]->argv[3];
  }
  // Launch `i`'s value of argv flag `flag` ("--device") and its added
  // environment ("RANK=1", ...).
  std::string Flag(size_t i, const std::string& flag) { return ArgAfter(i, flag); }
  std::vector<std::string> Env(size_t i) {
    absl::MutexLock lock(&mu_);
    return workers_[i]->env;
  }
  std::vector<int> Signals(size_t i) {
    absl::MutexLock lock(&mu_);
    return workers_[i]->signals;
  }

  // Worker `i` reports `event`, or exits; from the test's thread.
  void Emit(size_t i, v1::JobEvent event) { StateOf(i)->on_event(std::move(event)); }
  void Exit(size_t i, server::WorkerExit exit) { ExitOnce(StateOf(i), exit); }
  void Fail(size_t i, const std::string& message) {
    v1::JobEvent event = core::FailureEvent(absl::InvalidArgumentError(message));
    Emit(i, event);
    Exit(i, {core::kExitFailed, 0, ""});
  }

 private:
  struct State {
    std::vector<std::string> argv;
    std::vector<std::string> env;
    EventCallback on_event;
    ExitCallback on_exit;
    std::vector<int> signals;
    bool exited = false;
  };

  class Handle : public server::Worker {
   public:
    Handle(FakeWorkerLauncher* launcher, std::shared_ptr<State> state, int pid)
        : launcher_(launcher), state_(std::move(state)), pid_(pid) {}
    int pid() const override { return pid_; }
    void Signal(int signal_number) override {
      launcher_->OnSignal(state_, signal_number);
    }

   private:
    FakeWorkerLauncher* launcher_;
    std::shared_ptr<State> state_;
    int pid_;
  };

  static std::string JobIdIn(const std::string& spec_path) {
    const auto end = spec_path.rfind('/');
    const auto begin = spec_path.rfind('/', end - 1);
    return spec_path.substr(begin + 1, end - begin - 1);
  }
  std::string ArgAfter(size_t i, const std::string& flag) {
    absl::MutexLock lock(&mu_);
    const auto& argv = workers_[i]->argv;
    const auto it = std::find(argv.begin(), argv.end(), flag);
    return it == argv.end() || it + 1 == argv.end() ? "" : *(it + 1);
  }
  std::shared_ptr<State> StateOf(size_t i) {
    absl::MutexLock lock(&mu_);
    return workers_.at(i);
  }
  // Called under JobManager's lock: the exit runs on a thread of ours.
  void OnSignal(const std::shared_ptr<State>& state, int signal_number) {
    absl::MutexLock lock(&mu_);
    state->signals.push_back(signal_number);
    const server::WorkerExit exit =
        signal_number == SIGKILL ? server::WorkerExit{0, SIGKILL, ""}
                                 : server::WorkerExit{core::kExitStopped, 0, ""};
    threads_.emplace_back([this, state, exit] { ExitOnce(state, exit); });
  }
  void ExitOnce(const std::shared_ptr<State>& state, const server::WorkerExit& exit) {
    {
      absl::MutexLock lock(&mu_);
      if (state->exited) return;
      state->exited = true;
    }
    state->on_exit(exit);
  }

  absl::Mutex mu_;
  std::vector<std::shared_ptr<State>> workers_ ABSL_GUARDED_BY(mu_);
  std::vector<std::thread> threads_ ABSL_GUARDED_BY(mu_);
};

}  // namespace simclr::testing

#endif  // SIMCLR_TESTS_SERVER_JOBS_FAKE_WORKER_LAUNCHER_H_
