// How simclr-worker runs as one of several ranks: the spec's num_ranks
// against the launcher's WORLD_SIZE, the rank's device, and which events a
// rank reports.
#ifndef SIMCLR_CORE_WORKER_RANK_SETUP_H_
#define SIMCLR_CORE_WORKER_RANK_SETUP_H_

#include <atomic>

#include "absl/status/status.h"
#include "c10/core/Device.h"
#include "core/common/event_sink.h"
#include "core/common/rank_env.h"
#include "simclr/v1/job_spec.pb.h"

namespace simclr::core {

// INVALID_ARGUMENT naming num_ranks when the spec asks for other ranks than
// the environment has (or for several, with no launcher's environment).
absl::Status CheckRanks(const v1::JobSpec& spec, const RankEnv& env);

// A bare "cuda" means this rank's GPU (LOCAL_RANK), as under torchrun.
c10::Device RankDevice(c10::Device device, const RankEnv& env);

// Rank 0's events go to `out` (stdout). The other ranks report only a
// failure there (simclrd reads each rank's stream); their log lines go to
// stderr.
class RankSink : public EventSink {
 public:
  explicit RankSink(EventSink& out) : out_(out) {}
  void set_rank(int rank) { rank_.store(rank); }
  void Emit(v1::JobEvent event) override;

 private:
  EventSink& out_;
  std::atomic<int> rank_{0};
};

}  // namespace simclr::core

#endif  // SIMCLR_CORE_WORKER_RANK_SETUP_H_
