// Learning-rate schedules and early stopping (torch-free, so they are
// cheap to test and to serialise into a checkpoint as plain numbers).
//
// WarmupCosine is evaluated per step, not per epoch (sthalles/SimCLR#43):
// the rate rises linearly over the warmup steps, then follows a half cosine
// to final_ratio × base. ReduceOnPlateau and EarlyStopping observe one
// validation loss per epoch, as Keras's callbacks of the same names do.
#ifndef SIMCLR_CORE_TRAIN_LR_SCHEDULE_H_
#define SIMCLR_CORE_TRAIN_LR_SCHEDULE_H_

#include <cstdint>
#include <limits>

namespace simclr::core {

class WarmupCosine {
 public:
  // total_steps ≥ 1; warmup_steps in [0, total_steps].
  WarmupCosine(double base_lr, int64_t warmup_steps, int64_t total_steps,
               double final_ratio);

  // The rate for 0-based `step`; steps past the end keep the final rate.
  double LearningRate(int64_t step) const;

 private:
  double base_lr_;
  int64_t warmup_steps_;
  int64_t total_steps_;
  double final_lr_;
};

// WarmupCosine on the wall clock (PretrainConfig.budget_minutes): the
// linear warmup over the first `warmup_steps` steps, as above, times a half
// cosine from the base rate to final_ratio × base over the elapsed share
// of the budget (clamped to [0, 1]). Needs no state beyond the step and the
// elapsed time, so a resumed run continues the same curve.
double BudgetLearningRate(double base_lr, int64_t step, int64_t warmup_steps,
                          double elapsed_fraction, double final_ratio);

class ReduceOnPlateau {
 public:
  struct State {
    double lr = 0;
    double best = std::numeric_limits<double>::infinity();
    int bad_epochs = 0;
  };

  ReduceOnPlateau(double base_lr, double factor, int patience, double min_delta,
                  double min_lr);

  // Records one epoch's validation loss; returns the rate for the next.
  double Observe(double val_loss);
  double lr() const { return state_.lr; }

  // For checkpoints.
  const State& state() const { return state_; }
  void Restore(const State& state) { state_ = state; }

 private:
  double factor_;
  int patience_;
  double min_delta_;
  double min_lr_;
  State state_;
};

class EarlyStopping {
 public:
  struct State {
    double best = std::numeric_limits<double>::infinity();
    int best_epoch = -1;
    int bad_epochs = 0;
  };

  EarlyStopping(int patience, double min_delta)
      : patience_(patience), min_delta_(min_delta) {}

  // Records `epoch`'s validation loss; true when training should stop.
  // Returns true on a NaN loss too.
  bool Observe(int epoch, double val_loss);
  // Whether the last observed epoch is the best so far.
  bool last_was_best() const { return last_was_best_; }
  const State& state() const { return state_; }
  void Restore(const State& state) { state_ = state; }

 private:
  int patience_;
  double min_delta_;
  State state_;
  bool last_was_best_ = false;
};

}  // namespace simclr::core

#endif  // SIMCLR_CORE_TRAIN_LR_SCHEDULE_H_
