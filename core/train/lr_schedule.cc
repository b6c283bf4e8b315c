#include "core/train/lr_schedule.h"

#include <algorithm>
#include <cmath>

namespace simclr::core {

WarmupCosine::WarmupCosine(double base_lr, int64_t warmup_steps,
                           int64_t total_steps, double final_ratio)
    : base_lr_(base_lr),
      warmup_steps_(std::clamp<int64_t>(warmup_steps, 0, total_steps)),
      total_steps_(std::max<int64_t>(total_steps, 1)),
      final_lr_(base_lr * final_ratio) {}

double WarmupCosine::LearningRate(int64_t step) const {
  if (step < warmup_steps_) {
    // Step 0 already trains, so it gets 1/warmup of the rate, not 0.
    return base_lr_ * static_cast<double>(step + 1) /
           static_cast<double>(warmup_steps_);
  }
  const int64_t decay_steps = total_steps_ - warmup_steps_;
  if (decay_steps <= 0) return base_lr_;
  const double progress =
      std::min(1.0, static_cast<double>(step - warmup_steps_) / decay_steps);
  return final_lr_ +
         (base_lr_ - final_lr_) * 0.5 * (1.0 + std::cos(M_PI * progress));
}

double BudgetLearningRate(double base_lr, int64_t step, int64_t warmup_steps,
                          double elapsed_fraction, double final_ratio) {
  const double warm = step < warmup_steps ? static_cast<double>(step + 1) /
                                                static_cast<double>(warmup_steps)
                                          : 1.0;
  const double f = std::clamp(elapsed_fraction, 0.0, 1.0);
  const double final_lr = final_ratio * base_lr;
  return warm * (final_lr + (base_lr - final_lr) * 0.5 * (1.0 + std::cos(M_PI * f)));
}

ReduceOnPlateau::ReduceOnPlateau(double base_lr, double factor, int patience,
                                 double min_delta, double min_lr)
    : factor_(factor),
      patience_(patience),
      min_delta_(min_delta),
      min_lr_(min_lr) {
  state_.lr = base_lr;
}

double ReduceOnPlateau::Observe(double val_loss) {
  if (val_loss < state_.best - min_delta_) {
    state_.best = val_loss;
    state_.bad_epochs = 0;
  } else if (++state_.bad_epochs >= patience_) {
    state_.lr = std::max(min_lr_, state_.lr * factor_);
    state_.bad_epochs = 0;
  }
  return state_.lr;
}

bool EarlyStopping::Observe(int epoch, double val_loss) {
  last_was_best_ = false;
  if (std::isnan(val_loss)) return true;
  if (val_loss < state_.best - min_delta_) {
    state_.best = val_loss;
    state_.best_epoch = epoch;
    state_.bad_epochs = 0;
    last_was_best_ = true;
    return false;
  }
  return ++state_.bad_epochs >= patience_;
}

}  // namespace simclr::core
