// The clock of a pretraining run with a time budget
// (PretrainConfig.budget_minutes): the training time spent, across
// resumes, as rank 0 measured it (every step's sums carry it to the other
// ranks), and what a progress event says about what is left.
#ifndef SIMCLR_CORE_TRAIN_BUDGET_CLOCK_H_
#define SIMCLR_CORE_TRAIN_BUDGET_CLOCK_H_

#include <chrono>
#include <cstdint>

#include "simclr/v1/job.pb.h"

namespace simclr::core {

class BudgetClock {
 public:
  // `budget_seconds` 0: no budget. Starts now, `elapsed` already spent
  // (a resumed run's) at `step`.
  void Start(double budget_seconds, double elapsed, int64_t step);

  bool budgeted() const { return budget_ > 0; }
  // This process's clock, spent time included.
  double LocalElapsed() const;
  // The elapsed time every rank agrees on (rank 0's, after a step).
  void Agree(double elapsed) { elapsed_ = elapsed; }
  double elapsed() const { return elapsed_; }
  double fraction() const { return budgeted() ? elapsed_ / budget_ : 0; }
  bool spent() const { return budgeted() && elapsed_ >= budget_; }
  // budget_left and eta, and total_steps at the pace so far (`step` done).
  void Describe(int64_t step, v1::TrainProgress& progress) const;

 private:
  double budget_ = 0;
  std::chrono::steady_clock::time_point start_;
  double elapsed_at_start_ = 0;
  int64_t step_at_start_ = 0;
  double elapsed_ = 0;
};

}  // namespace simclr::core

#endif  // SIMCLR_CORE_TRAIN_BUDGET_CLOCK_H_
