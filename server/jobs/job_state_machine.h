// What a job becomes when its worker exits: a pure function of the exit,
// what was asked of the job (cancel, pause, shutdown) and its restarts, so
// that every branch has a unit test without a process.
#ifndef SIMCLR_SERVER_JOBS_JOB_STATE_MACHINE_H_
#define SIMCLR_SERVER_JOBS_JOB_STATE_MACHINE_H_

#include <string>

#include "server/jobs/worker_process.h"
#include "simclr/v1/job.pb.h"

namespace simclr::server {

// SUCCEEDED, FAILED or CANCELLED: nothing more happens to the job.
bool IsTerminal(v1::JobState state);

// What was asked of a running job before its worker exited.
enum class Intent { kNone, kCancel, kPause, kShutdown };

struct ExitOutcome {
  v1::JobState state = v1::JOB_STATE_UNSPECIFIED;
  std::string reason;
  // QUEUED again after a crash: the restart count goes up by one.
  bool restart = false;
  // FAILED: keep the worker's stderr tail on the job, for people.
  bool keep_stderr = false;
};

// `failure` is the JobFailure the worker reported, if any (null: none).
ExitOutcome AfterWorkerExit(const WorkerExit& exit, Intent intent,
                            const v1::JobFailure* failure, int restart_count,
                            int max_restarts);

// A job that was RUNNING when the server died (its worker stopped with
// it): QUEUED to resume from its last checkpoint while it has restarts
// left, else FAILED.
ExitOutcome AfterServerRestart(int restart_count, int max_restarts);

}  // namespace simclr::server

#endif  // SIMCLR_SERVER_JOBS_JOB_STATE_MACHINE_H_
