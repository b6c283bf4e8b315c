// Where and how one job runs, whatever its kind: the worker's side of the
// job (folders, device, stop request), not what it computes (the JobSpec).
#ifndef SIMCLR_CORE_RUNTIME_JOB_RUN_H_
#define SIMCLR_CORE_RUNTIME_JOB_RUN_H_

#include <atomic>
#include <string>

#include "absl/status/status.h"
#include "c10/core/Device.h"

namespace simclr::core {

class RankGroup;  // core/distributed/rank_group.h

struct JobRun {
  // Where checkpoints and artifacts go; created if missing.
  std::string job_dir;
  // Relative paths in the spec are taken from here.
  std::string spec_dir;
  c10::Device device = c10::Device(c10::DeviceType::CPU);
  // Continue from the newest checkpoint in job_dir, or (fine-tuning) after
  // the runs it has finished; a fresh start if there is none.
  bool resume = false;
  // Set asynchronously to request a checkpoint-and-stop; may be null.
  const std::atomic<bool>* stop = nullptr;
  // The job's ranks when it trains on several (num_ranks > 1); null for a
  // single process. Rank 0 (the chief) alone writes files and events
  // (IsChief in rank_group.h).
  RankGroup* ranks = nullptr;
};


// Creates `job_dir` (and its parents); FAILED_PRECONDITION if it cannot.
absl::Status CreateJobDir(const std::string& job_dir);

}  // namespace simclr::core

#endif  // SIMCLR_CORE_RUNTIME_JOB_RUN_H_
