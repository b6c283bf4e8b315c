// A confusion matrix as a PNG heat map: rows are the true classes, columns
// the predicted ones, each cell shaded by its share of the row and labelled
// with it in percent. Torch-free.
#ifndef SIMCLR_CORE_PLOT_CONFUSION_PLOT_H_
#define SIMCLR_CORE_PLOT_CONFUSION_PLOT_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"

namespace simclr::core {

struct ConfusionPlot {
  std::string title;
  std::vector<std::string> class_names;
  std::vector<int64_t> counts;  // counts[t * n + p]
};

// PNG bytes. INVALID_ARGUMENT when counts is not n × n for the n names,
// or n is 0 or above 100.
absl::Status RenderConfusionPng(const ConfusionPlot& plot, std::string& png);

}  // namespace simclr::core

#endif  // SIMCLR_CORE_PLOT_CONFUSION_PLOT_H_
