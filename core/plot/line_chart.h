// Line charts as PNG, drawn with OpenCV: a title, then a grid of panels,
// each with its axes, 1-2-5 ticks, grid lines, axis labels and a legend.
// The pictures of training curves. Torch-free.
#ifndef SIMCLR_CORE_PLOT_LINE_CHART_H_
#define SIMCLR_CORE_PLOT_LINE_CHART_H_

#include <string>
#include <vector>

#include "absl/status/status.h"

namespace simclr::core {

struct LineSeries {
  std::string name;  // in the legend; empty: not listed
  std::vector<double> x, y;  // same length; non-finite points are skipped
  // Index into the palette (matplotlib's tab10); -1: the series' position.
  int colour = -1;
  bool markers = false;  // a dot at every point (sparse series: per epoch)
  bool thin = false;     // a 1-pixel line (repeats drawn under their mean)
};

// A labelled vertical line, e.g. where an epoch or a round starts.
struct XMark {
  double x = 0;
  std::string label;
};

struct ChartPanel {
  std::string title;
  std::string x_label, y_label;
  std::vector<LineSeries> series;
  std::vector<XMark> x_marks;
  // Fixed x range (panels of one chart sharing their steps); otherwise from
  // the data.
  bool fixed_x = false;
  double x_min = 0, x_max = 1;
  // Fixed y range (e.g. accuracy in [0, 1]); otherwise from the data.
  bool fixed_y = false;
  double y_min = 0, y_max = 1;
  bool log_y = false;  // for learning rates and losses spanning decades
};

// A panel with its titles and no series yet.
ChartPanel MakePanel(std::string title, std::string x_label, std::string y_label);

struct LineChart {
  std::string title;
  std::vector<ChartPanel> panels;
  int columns = 2;
  int panel_width = 720, panel_height = 440;  // pixels
};

// Writes `chart` to `path` as PNG. INVALID_ARGUMENT for a series whose x
// and y differ in length or a bad layout; DATA_LOSS if it cannot be written.
absl::Status WriteLineChartPng(const LineChart& chart, const std::string& path);

// PNG bytes of the chart (for the HTML report, which embeds them).
absl::Status RenderLineChartPng(const LineChart& chart, std::string& png);

}  // namespace simclr::core

#endif  // SIMCLR_CORE_PLOT_LINE_CHART_H_
