// The figures of a pretraining run since its last progress event (mean
// loss and positive-pair top-1, views per second, the share of time spent
// waiting for the loader), turned into a TrainProgress event.
#ifndef SIMCLR_CORE_TRAIN_PROGRESS_WINDOW_H_
#define SIMCLR_CORE_TRAIN_PROGRESS_WINDOW_H_

#include <chrono>
#include <cstdint>

#include "core/data/two_view_loader.h"
#include "simclr/v1/job.pb.h"

namespace simclr::core {

class ProgressWindow {
 public:
  explicit ProgressWindow(const TwoViewLoader& loader);

  // `views` over all ranks; `communication_seconds` spent in collectives.
  void Add(double loss, double positive_top1, int64_t views,
           double communication_seconds = 0);
  int64_t steps() const { return steps_; }

  struct Position {
    int64_t epoch = 0;
    int round = 0;
    int64_t step = 0;
    int64_t total_steps = 0;
    double learning_rate = 0;
  };
  // The window's progress event (with an ETA from its step time); the
  // window starts again.
  v1::JobEvent Flush(const Position& at);

 private:
  void Reset();

  const TwoViewLoader& loader_;
  double loss_ = 0, top1_ = 0, wait_at_start_ = 0, communication_ = 0;
  int64_t steps_ = 0, views_ = 0;
  std::chrono::steady_clock::time_point start_;
};

}  // namespace simclr::core

#endif  // SIMCLR_CORE_TRAIN_PROGRESS_WINDOW_H_
