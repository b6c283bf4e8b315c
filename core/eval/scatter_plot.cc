#include "core/eval/scatter_plot.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/str_cat.h"
#include "core/common/status_macros.h"
#include "opencv2/imgcodecs.hpp"
#include "opencv2/imgproc.hpp"

namespace simclr::core {
namespace {

// matplotlib's tab10 (BGR), then a darker second round for > 10 classes.
cv::Scalar ClassColour(int label) {
  static const int kTab10[10][3] = {
      {31, 119, 180}, {255, 127, 14}, {44, 160, 44},  {214, 39, 40},
      {148, 103, 189}, {140, 86, 75}, {227, 119, 194}, {127, 127, 127},
      {188, 189, 34}, {23, 190, 207}};
  const int* rgb = kTab10[label % 10];
  const double shade = label >= 10 ? 0.6 : 1.0;
  return cv::Scalar(rgb[2] * shade, rgb[1] * shade, rgb[0] * shade);
}

absl::Status CheckPlot(const ScatterPlot& plot) {
  const size_t n = plot.xy.size() / 2;
  if (plot.xy.size() % 2 != 0 || (!plot.labels.empty() && plot.labels.size() != n)) {
    return absl::InvalidArgumentError(absl::StrCat("scatter plot: ", plot.xy.size(),
                                                   " coordinates and ", plot.labels.size(),
                                                   " labels do not match"));
  }
  for (const int32_t label : plot.labels) {
    if (label < 0 || static_cast<size_t>(label) >= plot.class_names.size()) {
      return absl::InvalidArgumentError(
          absl::StrCat("scatter plot: label ", label, " has no class name"));
    }
  }
  return absl::OkStatus();
}

// The points in `area`: one scale for both axes (distances mean the same
// across and down), centred.
void DrawPoints(const ScatterPlot& plot, const cv::Rect& area, double font, cv::Mat& image) {
  const size_t n = plot.xy.size() / 2;
  double min_x = 0, max_x = 1, min_y = 0, max_y = 1;
  if (n > 0) {
    min_x = max_x = plot.xy[0];
    min_y = max_y = plot.xy[1];
    for (size_t i = 0; i < n; ++i) {
      min_x = std::min(min_x, plot.xy[2 * i]);
      max_x = std::max(max_x, plot.xy[2 * i]);
      min_y = std::min(min_y, plot.xy[2 * i + 1]);
      max_y = std::max(max_y, plot.xy[2 * i + 1]);
    }
  }
  const double span = std::max({max_x - min_x, max_y - min_y, 1e-9});
  const double pixels = std::min(area.width, area.height) - 8.0;
  const int offset_x = static_cast<int>((area.width - 8 - (max_x - min_x) / span * pixels) / 2);
  const int offset_y = static_cast<int>((area.height - 8 - (max_y - min_y) / span * pixels) / 2);
  const int radius = std::max(2, static_cast<int>(std::lround(3 * font)));
  cv::rectangle(image, area, cv::Scalar(200, 200, 200), 1);
  for (size_t i = 0; i < n; ++i) {
    const cv::Point centre(
        area.x + 4 + offset_x + static_cast<int>((plot.xy[2 * i] - min_x) / span * pixels),
        area.y + 4 + offset_y + static_cast<int>((max_y - plot.xy[2 * i + 1]) / span * pixels));
    const cv::Scalar colour = plot.labels.empty() ? ClassColour(0) : ClassColour(plot.labels[i]);
    cv::circle(image, centre, radius, colour, cv::FILLED, cv::LINE_AA);
  }
}

// The title (long ones shrink to fit the width) and the legend.
void DrawTitleAndLegend(const ScatterPlot& plot, double font, int title_height,
                        int legend_width, int margin, cv::Mat& image) {
  const int side = plot.size;
  const int thickness = std::max(1, static_cast<int>(2 * font));
  int baseline = 0;
  const double title_width =
      cv::getTextSize(plot.title, cv::FONT_HERSHEY_SIMPLEX, font, thickness, &baseline).width;
  const double title_scale =
      font * std::min(1.0, (side - 2.0 * margin) / std::max(title_width, 1.0));
  cv::putText(image, plot.title, cv::Point(margin, static_cast<int>(42 * font)),
              cv::FONT_HERSHEY_SIMPLEX, title_scale, cv::Scalar(0, 0, 0), thickness,
              cv::LINE_AA);
  for (size_t k = 0; k < plot.class_names.size(); ++k) {
    const int y = title_height + static_cast<int>((20 + 30 * k) * font);
    const int x = side - legend_width;
    cv::circle(image, cv::Point(x + static_cast<int>(10 * font), y),
               static_cast<int>(7 * font) + 1, ClassColour(static_cast<int>(k)), cv::FILLED,
               cv::LINE_AA);
    cv::putText(image, plot.class_names[k],
                cv::Point(x + static_cast<int>(25 * font), y + static_cast<int>(7 * font)),
                cv::FONT_HERSHEY_SIMPLEX, 0.6 * font, cv::Scalar(0, 0, 0), 1, cv::LINE_AA);
  }
}

}  // namespace

absl::Status WriteScatterPng(const ScatterPlot& plot, const std::string& path) {
  SIMCLR_RETURN_IF_ERROR(CheckPlot(plot));
  const int side = plot.size;
  cv::Mat image(side, side, CV_8UC3, cv::Scalar(255, 255, 255));
  const double font = side / 1024.0;
  const int title_height = static_cast<int>(60 * font);
  const int legend_width = plot.class_names.empty() ? 0 : static_cast<int>(220 * font);
  const int margin = static_cast<int>(20 * font);
  const cv::Rect area(margin, title_height, side - legend_width - 2 * margin,
                      side - title_height - margin);
  DrawPoints(plot, area, font, image);
  DrawTitleAndLegend(plot, font, title_height, legend_width, margin, image);
  bool written = false;
  try {
    written = cv::imwrite(path, image);
  } catch (const cv::Exception& e) {
    return absl::DataLossError(absl::StrCat(path, ": ", e.what()));
  }
  if (!written) return absl::DataLossError(absl::StrCat(path, ": cannot write PNG"));
  return absl::OkStatus();
}

}  // namespace simclr::core
