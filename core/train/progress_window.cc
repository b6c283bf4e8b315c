#include "core/train/progress_window.h"

#include <algorithm>

#include "google/protobuf/util/time_util.h"

namespace simclr::core {

ProgressWindow::ProgressWindow(const TwoViewLoader& loader) : loader_(loader) { Reset(); }

void ProgressWindow::Reset() {
  loss_ = top1_ = communication_ = 0;
  steps_ = views_ = 0;
  wait_at_start_ = loader_.wait_seconds();
  start_ = std::chrono::steady_clock::now();
}

void ProgressWindow::Add(double loss, double positive_top1, int64_t views,
                         double communication_seconds) {
  loss_ += loss;
  communication_ += communication_seconds;
  top1_ += positive_top1;
  views_ += views;
  ++steps_;
}

v1::JobEvent ProgressWindow::Flush(const Position& at) {
  const double seconds = std::max(
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count(),
      1e-9);
  const double waited = loader_.wait_seconds() - wait_at_start_;
  const double steps = static_cast<double>(std::max<int64_t>(steps_, 1));
  v1::JobEvent event;
  auto* p = event.mutable_progress();
  p->set_epoch(static_cast<int32_t>(at.epoch));
  p->set_step(at.step);
  p->set_total_steps(at.total_steps);
  p->set_round(at.round);
  p->set_loss(loss_ / steps);
  p->set_learning_rate(at.learning_rate);
  p->set_samples_per_second(views_ / seconds);
  p->set_positive_pair_top1(top1_ / steps);
  p->set_data_wait_fraction(std::clamp(waited / seconds, 0.0, 1.0));
  p->set_communication_fraction(std::clamp(communication_ / seconds, 0.0, 1.0));
  const double per_step = seconds / steps;
  *p->mutable_eta() = google::protobuf::util::TimeUtil::MillisecondsToDuration(
      static_cast<int64_t>(1000 * per_step * (at.total_steps - at.step)));
  Reset();
  return event;
}

}  // namespace simclr::core
