// A PNG scatter plot of 2-D points coloured by class, with a title and a
// legend, drawn with OpenCV: the picture of a t-SNE job.
#ifndef SIMCLR_CORE_EVAL_SCATTER_PLOT_H_
#define SIMCLR_CORE_EVAL_SCATTER_PLOT_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"

namespace simclr::core {

struct ScatterPlot {
  std::vector<double> xy;       // n × 2, row-major
  std::vector<int32_t> labels;  // n class indices, or empty (one colour)
  std::vector<std::string> class_names;
  std::string title;
  int size = 1024;  // side of the square image, pixels
};

// Writes `plot` to `path` as PNG. INVALID_ARGUMENT if labels and points
// disagree or a label has no name; DATA_LOSS if the file cannot be written.
absl::Status WriteScatterPng(const ScatterPlot& plot, const std::string& path);

}  // namespace simclr::core

#endif  // SIMCLR_CORE_EVAL_SCATTER_PLOT_H_
