#include "core/train/budget_clock.h"

#include <algorithm>
#include <cmath>

#include "google/protobuf/util/time_util.h"

namespace simclr::core {

void BudgetClock::Start(double budget_seconds, double elapsed, int64_t step) {
  budget_ = budget_seconds;
  start_ = std::chrono::steady_clock::now();
  elapsed_at_start_ = elapsed_ = elapsed;
  step_at_start_ = step;
}

double BudgetClock::LocalElapsed() const {
  return elapsed_at_start_ +
         std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
}

void BudgetClock::Describe(int64_t step, v1::TrainProgress& p) const {
  const double left = std::max(0.0, budget_ - elapsed_);
  const int64_t steps = std::max<int64_t>(1, step - step_at_start_);
  const double per_step = std::max(1e-9, (elapsed_ - elapsed_at_start_) / steps);
  const auto duration = google::protobuf::util::TimeUtil::MillisecondsToDuration(
      static_cast<int64_t>(1000 * left));
  *p.mutable_budget_left() = duration;
  *p.mutable_eta() = duration;
  p.set_total_steps(std::min<int64_t>(p.total_steps(), step + std::llround(left / per_step)));
}

}  // namespace simclr::core
