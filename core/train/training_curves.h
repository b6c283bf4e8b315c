// The curves of a pretraining run as pictures: training and validation
// loss, learning rate, positive-pair top-1 and kNN top-1 against steps,
// with the epochs marked, redrawn at every epoch's end as
// artifacts/training_curves.png. Every point is also kept in
// artifacts/training_curves.csv, so a paused or restarted run draws its
// whole history. Torch-free.
#ifndef SIMCLR_CORE_TRAIN_TRAINING_CURVES_H_
#define SIMCLR_CORE_TRAIN_TRAINING_CURVES_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "core/common/event_sink.h"
#include "core/plot/line_chart.h"
#include "simclr/v1/job.pb.h"

namespace simclr::core {

inline constexpr char kTrainingCurvesPng[] = "artifacts/training_curves.png";
inline constexpr char kTrainingCurvesCsv[] = "artifacts/training_curves.csv";

class TrainingCurves {
 public:
  // A fresh run starts empty; a resumed one reads the CSV an earlier
  // attempt wrote and keeps its points up to `resume_step` (those after the
  // checkpoint it resumes from are trained again). A missing or unreadable
  // CSV starts empty: the curves are for people, never a reason to fail.
  TrainingCurves(std::string run_folder, std::string title, bool resume,
                 int64_t resume_step);

  void Add(const v1::TrainProgress& progress);
  void Add(const v1::EpochSummary& summary);

  // Rewrites the CSV and the PNG and emits their Artifact events.
  absl::Status Write(EventSink& events) const;

  // The chart Write draws.
  LineChart Chart() const;

 private:
  struct Point {
    bool epoch_end = false;  // an EpochSummary; otherwise a TrainProgress
    int32_t epoch = 0;
    int64_t step = 0;
    double loss = 0;  // train loss (window mean, or the epoch's)
    double learning_rate = 0;
    double positive_pair_top1 = 0;
    std::optional<double> val_loss, knn_top1;
  };
  void Load(int64_t resume_step);
  std::string Csv() const;

  std::string run_folder_;
  std::string title_;
  std::vector<Point> points_;
};

}  // namespace simclr::core

#endif  // SIMCLR_CORE_TRAIN_TRAINING_CURVES_H_
