// JobManager: starting a job's workers on its device slots (one per rank),
// and choosing which queued job starts next.
#include <algorithm>
#include <thread>

#include "absl/strings/str_cat.h"
#include "core/common/field_error.h"
#include "core/common/layout.h"
#include "core/common/loopback_port.h"
#include "core/common/rank_env.h"
#include "core/worker/worker_protocol.h"
#include "server/jobs/job_manager.h"
#include "server/jobs/job_records.h"
#include "server/jobs/rank_group_worker.h"

namespace simclr::server {

absl::Status JobManager::CheckSlotsLocked(const v1::JobSpec& spec) const {
  const int ranks = spec.has_num_ranks() ? spec.num_ranks() : 1;
  const int matching = slots_.Matching(spec.device());
  if (ranks <= matching) return absl::OkStatus();
  const std::string device = spec.device().empty() ? "any" : spec.device();
  if (matching == 0) {
    return core::FieldError("device", absl::StrCat("this server has no slot for device ", device,
                                                   "; its --devices are ", slots_.Describe()));
  }
  return core::FieldError(
      "num_ranks", absl::StrCat(ranks, " ranks need as many slots, but this server has ",
                                matching, " for device ", device, " (--devices ",
                                slots_.Describe(), ")"));
}

absl::StatusOr<std::unique_ptr<Worker>> JobManager::LaunchLocked(
    const v1::Job& job, const std::vector<std::string>& devices) {
  const std::string dir = JobFolder(job.id());
  const std::string id = job.id();
  auto on_event = [this, id](v1::JobEvent event) { OnEvent(id, std::move(event)); };
  auto on_exit = [this, id](const WorkerExit& exit) { OnExit(id, exit); };
  // 0 threads: the cores of the job's slot, when CPU slots share them.
  int threads = options_.worker_threads;
  if (threads == 0 && slots_.CpuSlots() > 1) {
    threads = std::max(1, static_cast<int>(std::thread::hardware_concurrency()) /
                              slots_.CpuSlots());
  }
  core::WorkerInvocation invocation =
      InvocationFor(job, dir, options_.worker_path, threads, options_.default_device);
  if (devices.size() == 1) {
    invocation.device = devices[0];
    return launcher_->Launch(core::WorkerArgv(invocation), {},
                             core::layout::WorkerStderrPath(dir), on_event, on_exit);
  }
  const int port = core::FreeLoopbackPort();
  if (port <= 0) return absl::UnavailableError("no free loopback port for the ranks to meet");
  std::vector<RankLaunch> ranks;
  for (size_t r = 0; r < devices.size(); ++r) {
    invocation.device = devices[r];
    RankLaunch rank;
    rank.argv = core::WorkerArgv(invocation);
    for (const auto& [name, value] : core::RankEnvVariables(
             static_cast<int>(r), static_cast<int>(devices.size()), "127.0.0.1", port)) {
      rank.env.push_back(name + "=" + value);
    }
    rank.stderr_path = core::layout::WorkerStderrPath(dir);
    if (r > 0) absl::StrAppend(&rank.stderr_path, ".rank", r);
    ranks.push_back(std::move(rank));
  }
  return LaunchRankGroup(*launcher_, ranks, on_event, on_exit);
}

JobManager::Entry* JobManager::NextToStartLocked() {
  Entry* next = nullptr;
  for (auto& [id, entry] : jobs_) {
    if (entry.job.state() != v1::JOB_STATE_QUEUED) continue;
    if (!entry.job.depends_on().empty() &&
        ReadinessLocked(entry, nullptr) != Readiness::kReady) {
      continue;
    }
    if (next == nullptr || entry.job.spec().priority() > next->job.spec().priority() ||
        (entry.job.spec().priority() == next->job.spec().priority() &&
         entry.order < next->order)) {
      next = &entry;
    }
  }
  return next;
}

}  // namespace simclr::server
