// The curves of a fine-tuning job as a picture: training loss, validation
// loss and validation top-1 against epochs, one colour per (subject, label
// fraction), every repeat drawn (the first named in the legend). Redrawn
// after every run as artifacts/finetune_curves.png from the finished runs,
// so a resumed job draws the runs it finished before too. Torch-free.
#ifndef SIMCLR_CORE_EVAL_FINETUNE_CURVES_H_
#define SIMCLR_CORE_EVAL_FINETUNE_CURVES_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "core/common/event_sink.h"
#include "core/plot/line_chart.h"
#include "simclr/v1/job.pb.h"

namespace simclr::core {

inline constexpr char kFinetuneCurvesPng[] = "artifacts/finetune_curves.png";

// `runs`: one EvalResult per finished run, with its epoch_history.
LineChart FinetuneCurvesChart(const std::vector<v1::EvalResult>& runs,
                              const std::string& title);

// Writes the chart into `run_folder` and emits its Artifact event.
absl::Status WriteFinetuneCurves(const std::string& run_folder,
                                 const std::vector<v1::EvalResult>& runs,
                                 const std::string& title, EventSink& events);

}  // namespace simclr::core

#endif  // SIMCLR_CORE_EVAL_FINETUNE_CURVES_H_
