#include "core/plot/confusion_plot.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "opencv2/imgcodecs.hpp"
#include "opencv2/imgproc.hpp"

namespace simclr::core {
namespace {

constexpr int kFont = cv::FONT_HERSHEY_SIMPLEX;

// White to matplotlib's "Blues" dark end, by share in [0, 1] (BGR).
cv::Scalar Shade(double share) {
  const double s = std::clamp(share, 0.0, 1.0);
  return cv::Scalar(255 - s * (255 - 107), 255 - s * (255 - 48), 255 - s * (255 - 8));
}

std::string Shorten(const std::string& name, size_t chars) {
  return name.size() <= chars ? name : name.substr(0, chars - 1) + ".";
}

}  // namespace

absl::Status RenderConfusionPng(const ConfusionPlot& plot, std::string& png) {
  const size_t n = plot.class_names.size();
  if (n == 0 || n > 100 || plot.counts.size() != n * n) {
    return absl::InvalidArgumentError(absl::StrCat(
        "confusion plot: ", plot.counts.size(), " counts for ", n, " classes"));
  }
  const int cell = n <= 12 ? 44 : std::max(12, 528 / static_cast<int>(n));
  const int left = 130, top = 90;
  const int side = cell * static_cast<int>(n);
  cv::Mat image(top + side + 40, left + side + 20, CV_8UC3, cv::Scalar(255, 255, 255));
  cv::putText(image, plot.title, {10, 26}, kFont, 0.6, cv::Scalar(0, 0, 0), 1, cv::LINE_AA);
  cv::putText(image, "predicted class ->", {left, top - 8}, kFont, 0.45, cv::Scalar(60, 60, 60), 1,
              cv::LINE_AA);
  for (size_t t = 0; t < n; ++t) {
    int64_t row = 0;
    for (size_t p = 0; p < n; ++p) row += plot.counts[t * n + p];
    const int y = top + static_cast<int>(t) * cell;
    const std::string index = absl::StrCat(t);
    const std::string name = plot.class_names[t] == index
                                 ? index
                                 : absl::StrCat(index, " ", Shorten(plot.class_names[t], 12));
    cv::putText(image, name, {6, y + cell / 2 + 5}, kFont, 0.42, cv::Scalar(0, 0, 0), 1,
                cv::LINE_AA);
    if (cell >= 20) {  // the column's class, by its row's number
      cv::putText(image, index, {left + static_cast<int>(t) * cell + cell / 2 - 5, top - 28},
                  kFont, 0.42, cv::Scalar(0, 0, 0), 1, cv::LINE_AA);
    }
    for (size_t p = 0; p < n; ++p) {
      const double share = row > 0 ? static_cast<double>(plot.counts[t * n + p]) / row : 0;
      const cv::Rect box(left + static_cast<int>(p) * cell, y, cell, cell);
      cv::rectangle(image, box, Shade(share), cv::FILLED);
      if (cell >= 30 && share > 0.005) {
        cv::putText(image, absl::StrFormat("%.0f", 100 * share), {box.x + 6, box.y + cell / 2 + 5},
                    kFont, 0.42, share > 0.5 ? cv::Scalar(255, 255, 255) : cv::Scalar(0, 0, 0), 1,
                    cv::LINE_AA);
      }
    }
  }
  cv::rectangle(image, cv::Rect(left, top, side, side), cv::Scalar(120, 120, 120), 1);
  cv::putText(image, "rows: true class; cells: % of the row", {left, top + side + 26}, kFont,
              0.42, cv::Scalar(60, 60, 60), 1, cv::LINE_AA);
  std::vector<uchar> bytes;
  try {
    if (!cv::imencode(".png", image, bytes)) return absl::InternalError("confusion plot: PNG");
  } catch (const cv::Exception& e) {
    return absl::InternalError(absl::StrCat("confusion plot: ", e.what()));
  }
  png.assign(bytes.begin(), bytes.end());
  return absl::OkStatus();
}

}  // namespace simclr::core
