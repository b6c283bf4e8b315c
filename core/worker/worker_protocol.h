// The contract between simclrd and simclr-worker, in one place: how the
// worker is started, how it reports, and what its exit code means.
//
// - Start: WorkerArgv() is the command line simclrd runs.
// - Report: length-delimited JobEvent protobufs on stdout (FileSink). A job
//   that fails reports why as a last JobFailure event (FailureEvent), then
//   exits with kExitFailed. simclrd takes the job's error from that event;
//   the worker's stderr is kept for people and never parsed.
// - End: the exit codes below. Anything else (a signal, another code) is a
//   crash, which simclrd restarts from the last checkpoint.
//
// Torch-free and header-only: simclrd includes it without the engine.
#ifndef SIMCLR_CORE_WORKER_WORKER_PROTOCOL_H_
#define SIMCLR_CORE_WORKER_WORKER_PROTOCOL_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "core/common/field_error.h"
#include "simclr/v1/job.pb.h"

namespace simclr::core {

// The job ran to its end.
inline constexpr int kExitSucceeded = 0;
// The job failed, and its last event is a JobFailure saying why. Not
// restarted: running it again would fail the same way.
inline constexpr int kExitFailed = 1;
// Bad command line (simclrd never causes it).
inline constexpr int kExitUsage = 2;
// Stopped on request (SIGTERM) after writing a checkpoint; `resume`
// continues exactly. EX_TEMPFAIL: try again later.
inline constexpr int kExitStopped = 75;
// One of several ranks: a peer rank died or stopped answering, so this one
// stopped too. Like a crash, the job is retried from its last checkpoint.
inline constexpr int kExitPeerLost = 76;

// The final event of a failed job.
inline v1::JobEvent FailureEvent(const absl::Status& status) {
  v1::JobEvent event;
  v1::JobFailure* failure = event.mutable_failure();
  failure->set_code(static_cast<int>(status.code()));
  failure->set_message(std::string(status.message()));
  failure->set_field(ErrorField(status));
  return event;
}

struct WorkerInvocation {
  std::string worker_path;  // the simclr-worker binary
  int num_threads = 0;      // LibTorch intra-op threads; 0: one per core
  bool resume = false;      // `resume` rather than `run`
  std::string spec_path;
  std::string job_dir;      // the run folder
  std::string device;
  // Several ranks: the rendezvous and collective timeouts; 0: the worker's
  // defaults.
  int rendezvous_timeout_s = 0;
};

// simclrd's command line for a worker: delimited events on stdout, and a
// checkpoint-and-stop if simclrd dies.
inline std::vector<std::string> WorkerArgv(const WorkerInvocation& w) {
  std::vector<std::string> argv{w.worker_path,
                                "--num_threads", std::to_string(w.num_threads),
                                w.resume ? "resume" : "run",
                                "--spec", w.spec_path,
                                "--job_dir", w.job_dir,
                                "--events", "delimited",
                                "--device", w.device,
                                "--stop_with_parent"};
  if (w.rendezvous_timeout_s > 0) {
    argv.push_back("--rendezvous_timeout_s");
    argv.push_back(std::to_string(w.rendezvous_timeout_s));
  }
  return argv;
}

}  // namespace simclr::core

#endif  // SIMCLR_CORE_WORKER_WORKER_PROTOCOL_H_
