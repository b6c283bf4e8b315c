#include "server/jobs/job_state_machine.h"

#include <string.h>

#include "absl/strings/str_cat.h"
#include "core/worker/worker_protocol.h"

namespace simclr::server {
namespace {

// How a worker that reported no failure ended.
std::string CrashReason(const WorkerExit& exit) {
  if (!exit.stream_error.empty()) return exit.stream_error;
  if (exit.term_signal != 0) {
    return absl::StrCat("worker killed by signal ", exit.term_signal, " (",
                        strsignal(exit.term_signal), ")");
  }
  return absl::StrCat("worker exited with code ", exit.exit_code);
}

ExitOutcome Failed(std::string reason) {
  return {v1::JOB_STATE_FAILED, std::move(reason), false, true};
}

}  // namespace

bool IsTerminal(v1::JobState state) {
  return state == v1::JOB_STATE_SUCCEEDED || state == v1::JOB_STATE_FAILED ||
         state == v1::JOB_STATE_CANCELLED;
}

ExitOutcome AfterWorkerExit(const WorkerExit& exit, Intent intent,
                            const v1::JobFailure* failure, int restart_count,
                            int max_restarts) {
  const bool clean = exit.term_signal == 0 && exit.stream_error.empty();
  const bool stopped = clean && exit.exit_code == core::kExitStopped;
  if (clean && exit.exit_code == core::kExitSucceeded) {
    return {v1::JOB_STATE_SUCCEEDED, "worker finished"};
  }
  switch (intent) {
    case Intent::kCancel:
      return {v1::JOB_STATE_CANCELLED,
              stopped ? "cancelled by user" : "cancelled by user (worker killed)"};
    case Intent::kPause:
      return {v1::JOB_STATE_PAUSED,
              stopped ? "paused by user; resumes from its checkpoint"
                      : "paused by user; the worker had to be killed, so it "
                        "resumes from its last periodic checkpoint"};
    case Intent::kShutdown:
      return {v1::JOB_STATE_QUEUED, "server shut down; continues on its next start"};
    case Intent::kNone:
      break;
  }
  // A failure the job reported would happen again: no restart.
  if (clean && exit.exit_code == core::kExitFailed) {
    return Failed(failure != nullptr ? failure->message()
                                     : CrashReason(exit) + " without saying why");
  }
  // A malformed event stream is a broken worker, not a crash to retry.
  if (!exit.stream_error.empty() || restart_count >= max_restarts) {
    return Failed(CrashReason(exit));
  }
  return {v1::JOB_STATE_QUEUED,
          absl::StrCat(CrashReason(exit), "; restart ", restart_count + 1, " of ",
                       max_restarts),
          /*restart=*/true};
}

ExitOutcome AfterServerRestart(int restart_count, int max_restarts) {
  if (restart_count >= max_restarts) {
    return {v1::JOB_STATE_FAILED,
            absl::StrCat("the server restarted while the job ran, and it has used its ",
                         max_restarts, " restarts")};
  }
  return {v1::JOB_STATE_QUEUED,
          absl::StrCat("server restarted; resuming from the last checkpoint (restart ",
                       restart_count + 1, " of ", max_restarts, ")"),
          /*restart=*/true};
}

}  // namespace simclr::server
