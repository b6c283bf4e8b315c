// The workers of one job with several ranks, supervised as one Worker.
//
// Rank 0's events are the job's; another rank's reach the job only when it
// is a failure and none came before (a rank that fails on its own data
// names the cause). When one rank exits other than successfully the others
// are asked to stop (SIGTERM); they also notice the lost peer themselves.
// on_exit runs once, after every rank has exited, with the group's exit: a
// crash of any rank first (a signal, a malformed stream or an unknown exit
// code), then a failure, a lost peer, a stop, and success only when all
// succeeded. Signal() reaches every rank: cancel, pause and resume act on
// the group.
#ifndef SIMCLR_SERVER_JOBS_RANK_GROUP_WORKER_H_
#define SIMCLR_SERVER_JOBS_RANK_GROUP_WORKER_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "server/jobs/worker_launcher.h"

namespace simclr::server {

struct RankLaunch {
  std::vector<std::string> argv;
  std::vector<std::string> env;  // "RANK=1", ...
  std::string stderr_path;
};

// Starts every rank through `launcher`. If one cannot start, those started
// are killed and the error returned (no callback runs).
absl::StatusOr<std::unique_ptr<Worker>> LaunchRankGroup(
    WorkerLauncher& launcher, const std::vector<RankLaunch>& ranks,
    WorkerLauncher::EventCallback on_event, WorkerLauncher::ExitCallback on_exit);

// The group's exit from its ranks' exits (see above).
WorkerExit GroupExit(const std::vector<WorkerExit>& exits);

}  // namespace simclr::server

#endif  // SIMCLR_SERVER_JOBS_RANK_GROUP_WORKER_H_
