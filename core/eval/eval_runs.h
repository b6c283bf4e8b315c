// What linear and fine-tuned evaluations share: the seed of each run, the
// stratified label subsets, progress events and the confusion matrix.
#ifndef SIMCLR_CORE_EVAL_EVAL_RUNS_H_
#define SIMCLR_CORE_EVAL_EVAL_RUNS_H_

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "core/common/event_sink.h"
#include "simclr/v1/job.pb.h"

namespace simclr::core {

// The seed of run `repeat` at fraction number `fraction_index`: every
// subject sees the same subset in the same run, so columns compare fairly.
uint64_t RunSeed(uint64_t job_seed, int fraction_index, int repeat);

// Positions into `pool` (a stratified subset of it by `labels`).
absl::StatusOr<std::vector<int64_t>> LabelSubset(
    const std::vector<int64_t>& pool, const std::vector<int32_t>& labels,
    double fraction, uint64_t seed);

// Adds the predictions to a confusion matrix of `class_names`.
void AddToConfusion(const std::vector<int64_t>& truth,
                    const std::vector<int64_t>& predicted,
                    const std::vector<std::string>& class_names,
                    v1::ConfusionMatrix* confusion);

// Counts runs and emits TrainProgress events (step = runs done) with ETA.
class RunProgress {
 public:
  RunProgress(int64_t total_runs, EventSink& events);
  // A run trained by this process.
  void RunDone(const std::string& what, double top1);
  // A run read back on resume: counted, but not in the ETA's rate.
  void RunFinishedBefore(const std::string& what, double top1);

 private:
  void Emit(const std::string& what, double top1);

  int64_t total_, done_ = 0, timed_ = 0;
  EventSink& events_;
  std::chrono::steady_clock::time_point start_;
};

}  // namespace simclr::core

#endif  // SIMCLR_CORE_EVAL_EVAL_RUNS_H_
