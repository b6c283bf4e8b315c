#include "core/plot/line_chart.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "core/common/atomic_file.h"
#include "opencv2/imgcodecs.hpp"
#include "opencv2/imgproc.hpp"

namespace simclr::core {
namespace {

constexpr int kFont = cv::FONT_HERSHEY_SIMPLEX;
const cv::Scalar kBlack(0, 0, 0);
const cv::Scalar kGrid(225, 225, 225);
const cv::Scalar kMarkColour(150, 150, 150);

// matplotlib's tab10, as BGR.
cv::Scalar Palette(int index) {
  static const int kTab10[10][3] = {
      {31, 119, 180}, {255, 127, 14}, {44, 160, 44},  {214, 39, 40},  {148, 103, 189},
      {140, 86, 75},  {227, 119, 194}, {127, 127, 127}, {188, 189, 34}, {23, 190, 207}};
  const int* rgb = kTab10[((index % 10) + 10) % 10];
  return cv::Scalar(rgb[2], rgb[1], rgb[0]);
}

struct Range {
  double lo = std::numeric_limits<double>::infinity();
  double hi = -std::numeric_limits<double>::infinity();
  void Add(double v) {
    lo = std::min(lo, v);
    hi = std::max(hi, v);
  }
  bool empty() const { return !(lo <= hi); }
};

bool Usable(double v, bool log) { return std::isfinite(v) && (!log || v > 0); }

// The data's ranges, padded so that lines do not run along the frame.
std::pair<Range, Range> DataRanges(const ChartPanel& panel) {
  Range x, y;
  for (const LineSeries& s : panel.series) {
    for (size_t i = 0; i < s.x.size(); ++i) {
      if (!std::isfinite(s.x[i]) || !Usable(s.y[i], panel.log_y)) continue;
      x.Add(s.x[i]);
      y.Add(s.y[i]);
    }
  }
  for (const XMark& mark : panel.x_marks) x.Add(mark.x);
  if (panel.fixed_x) x = {panel.x_min, panel.x_max};
  if (x.empty()) x = {0, 1};
  if (x.hi - x.lo < 1e-12) x = {x.lo - 0.5, x.hi + 0.5};
  if (panel.fixed_y) return {x, Range{panel.y_min, panel.y_max}};
  if (y.empty()) y = panel.log_y ? Range{0.1, 1} : Range{0, 1};
  if (panel.log_y) {
    y = {std::log10(y.lo), std::log10(y.hi)};
    if (y.hi - y.lo < 0.1) y = {y.lo - 0.05, y.hi + 0.05};
    const double pad = 0.05 * (y.hi - y.lo);
    return {x, Range{std::pow(10, y.lo - pad), std::pow(10, y.hi + pad)}};
  }
  if (y.hi - y.lo < 1e-12) y = {y.lo - 0.5 * std::max(std::abs(y.lo), 1e-3),
                                 y.hi + 0.5 * std::max(std::abs(y.hi), 1e-3)};
  const double pad = 0.06 * (y.hi - y.lo);
  return {x, Range{y.lo - pad, y.hi + pad}};
}

// About `target` round values (1, 2 or 5 × 10^k apart) inside [lo, hi].
std::vector<double> NiceTicks(double lo, double hi, int target) {
  const double raw = (hi - lo) / target;
  const double magnitude = std::pow(10, std::floor(std::log10(raw)));
  double step = magnitude;
  for (const double m : {1.0, 2.0, 5.0, 10.0}) {
    step = m * magnitude;
    if (step >= raw) break;
  }
  std::vector<double> ticks;
  for (double t = std::ceil(lo / step) * step; t <= hi + 1e-9 * step; t += step) {
    ticks.push_back(std::abs(t) < 1e-12 * step ? 0 : t);
  }
  return ticks;
}

std::vector<double> LogTicks(double lo, double hi) {
  std::vector<double> ticks;
  for (int e = static_cast<int>(std::ceil(std::log10(lo)));
       e <= static_cast<int>(std::floor(std::log10(hi))); ++e) {
    ticks.push_back(std::pow(10, e));
  }
  if (ticks.size() >= 2) return ticks;
  ticks.clear();
  for (double t : NiceTicks(lo, hi, 4)) {
    if (t > 0) ticks.push_back(t);
  }
  return ticks;
}

std::string TickText(double v) {
  if (v != 0 && (std::abs(v) < 1e-3 || std::abs(v) >= 1e5)) return absl::StrFormat("%.0e", v);
  return absl::StrFormat("%.4g", v);
}

// Panel coordinates: data → pixels inside `plot`.
struct Axes {
  cv::Rect plot;
  Range x, y;
  bool log_y;
  cv::Point At(double vx, double vy) const {
    const double fx = (vx - x.lo) / (x.hi - x.lo);
    const double fy = log_y ? (std::log10(vy) - std::log10(y.lo)) /
                                  (std::log10(y.hi) - std::log10(y.lo))
                            : (vy - y.lo) / (y.hi - y.lo);
    return {plot.x + static_cast<int>(std::lround(fx * plot.width)),
            plot.y + plot.height - static_cast<int>(std::lround(fy * plot.height))};
  }
};

void Text(cv::Mat& image, const std::string& text, cv::Point at, double scale,
          int thickness = 1, cv::Scalar colour = kBlack) {
  cv::putText(image, text, at, kFont, scale, colour, thickness, cv::LINE_AA);
}

int TextWidth(const std::string& text, double scale, int thickness = 1) {
  int baseline = 0;
  return cv::getTextSize(text, kFont, scale, thickness, &baseline).width;
}

// Text turned a quarter left, centred on `centre` (the y axis label).
void VerticalText(cv::Mat& image, const std::string& text, cv::Point centre, double scale) {
  int baseline = 0;
  const cv::Size size = cv::getTextSize(text, kFont, scale, 1, &baseline);
  cv::Mat strip(size.height + baseline + 4, size.width + 4, CV_8UC3, cv::Scalar(255, 255, 255));
  Text(strip, text, cv::Point(2, size.height + 2), scale);
  cv::Mat turned;
  cv::rotate(strip, turned, cv::ROTATE_90_COUNTERCLOCKWISE);
  cv::Rect where(centre.x - turned.cols / 2, centre.y - turned.rows / 2, turned.cols,
                 turned.rows);
  where &= cv::Rect(0, 0, image.cols, image.rows);
  turned(cv::Rect(0, 0, where.width, where.height)).copyTo(image(where));
}

void DrawTicks(const ChartPanel& panel, const Axes& axes, cv::Mat& image) {
  for (const double t : NiceTicks(axes.x.lo, axes.x.hi, 6)) {
    const cv::Point p = axes.At(t, axes.y.lo);
    cv::line(image, {p.x, axes.plot.y}, {p.x, axes.plot.y + axes.plot.height}, kGrid, 1);
    const std::string label = TickText(t);
    Text(image, label, {p.x - TextWidth(label, 0.42) / 2, p.y + 18}, 0.42);
  }
  const auto y_ticks = panel.log_y ? LogTicks(axes.y.lo, axes.y.hi)
                                   : NiceTicks(axes.y.lo, axes.y.hi, 5);
  for (const double t : y_ticks) {
    const cv::Point p = axes.At(axes.x.lo, t);
    cv::line(image, {axes.plot.x, p.y}, {axes.plot.x + axes.plot.width, p.y}, kGrid, 1);
    const std::string label = TickText(t);
    Text(image, label, {p.x - TextWidth(label, 0.42) - 6, p.y + 5}, 0.42);
  }
}

// Dashed vertical lines; labels only as many as fit.
void DrawMarks(const ChartPanel& panel, const Axes& axes, cv::Mat& image) {
  const size_t n = panel.x_marks.size();
  const size_t every = std::max<size_t>(1, (n + 7) / 8);
  int last_label_end = -1000;  // labels never overlap: a crowded one is left out
  for (size_t i = 0; i < n; ++i) {
    const int x = axes.At(panel.x_marks[i].x, axes.y.lo).x;
    for (int y = axes.plot.y; y < axes.plot.y + axes.plot.height; y += 8) {
      cv::line(image, {x, y}, {x, std::min(y + 4, axes.plot.y + axes.plot.height)},
               kMarkColour, 1);
    }
    if (i % every != 0) continue;
    const std::string& label = panel.x_marks[i].label;
    const int width = TextWidth(label, 0.36);
    const bool fits_right = x + 3 + width < axes.plot.x + axes.plot.width;
    const int start = fits_right ? x + 3 : x - 3 - width;
    if (start < last_label_end + 6) continue;
    Text(image, label, {start, axes.plot.y + 12}, 0.36, 1, kMarkColour);
    last_label_end = start + width;
  }
}

void DrawSeries(const ChartPanel& panel, const Axes& axes, cv::Mat& image) {
  cv::Mat plot = image(axes.plot);  // lines are clipped to the plot area
  const cv::Point origin(axes.plot.x, axes.plot.y);
  for (size_t k = 0; k < panel.series.size(); ++k) {
    const LineSeries& s = panel.series[k];
    const cv::Scalar colour = Palette(s.colour >= 0 ? s.colour : static_cast<int>(k));
    std::vector<cv::Point> run;
    auto flush = [&] {
      if (run.size() > 1) cv::polylines(plot, run, false, colour, s.thin ? 1 : 2, cv::LINE_AA);
      run.clear();
    };
    for (size_t i = 0; i < s.x.size(); ++i) {
      if (!std::isfinite(s.x[i]) || !Usable(s.y[i], panel.log_y)) {
        flush();
        continue;
      }
      const cv::Point p = axes.At(s.x[i], s.y[i]) - origin;
      run.push_back(p);
      if (s.markers) cv::circle(plot, p, 4, colour, cv::FILLED, cv::LINE_AA);
    }
    flush();
  }
}

// The corner of the plot where the legend covers the fewest points.
cv::Rect LegendBox(const ChartPanel& panel, const Axes& axes, cv::Size size) {
  const int top = axes.plot.y + (panel.x_marks.empty() ? 6 : 20);  // below the marks' labels
  const int left = axes.plot.x + 6, right = axes.plot.x + axes.plot.width - size.width - 6;
  const int bottom = axes.plot.y + axes.plot.height - size.height - 6;
  cv::Rect best;
  int fewest = -1;
  for (const cv::Point corner : {cv::Point(right, top), cv::Point(left, top),
                                 cv::Point(right, bottom), cv::Point(left, bottom)}) {
    const cv::Rect box(corner, size);
    int covered = 0;
    for (const LineSeries& s : panel.series) {
      for (size_t i = 0; i < s.x.size(); ++i) {
        if (std::isfinite(s.x[i]) && Usable(s.y[i], panel.log_y)) {
          covered += box.contains(axes.At(s.x[i], s.y[i]));
        }
      }
    }
    if (fewest < 0 || covered < fewest) fewest = covered, best = box;
  }
  return best;
}

void DrawLegend(const ChartPanel& panel, const Axes& axes, cv::Mat& image) {
  std::vector<std::pair<std::string, int>> entries;
  int width = 0;
  for (size_t k = 0; k < panel.series.size(); ++k) {
    const LineSeries& s = panel.series[k];
    if (s.name.empty()) continue;
    entries.emplace_back(s.name, s.colour >= 0 ? s.colour : static_cast<int>(k));
    width = std::max(width, TextWidth(s.name, 0.42));
  }
  if (entries.empty()) return;
  const int rows = static_cast<int>(std::min<size_t>(entries.size(), 12));
  const cv::Rect box = LegendBox(panel, axes, cv::Size(width + 40, rows * 18 + 8));
  cv::rectangle(image, box, cv::Scalar(255, 255, 255), cv::FILLED);
  cv::rectangle(image, box, cv::Scalar(190, 190, 190), 1);
  for (int i = 0; i < rows; ++i) {
    const int y = box.y + 14 + 18 * i;
    cv::line(image, {box.x + 6, y - 4}, {box.x + 26, y - 4}, Palette(entries[i].second), 2,
             cv::LINE_AA);
    Text(image, entries[i].first, {box.x + 32, y}, 0.42);
  }
}

void DrawPanel(const ChartPanel& panel, const cv::Rect& cell, cv::Mat& image) {
  const auto [x, y] = DataRanges(panel);
  const Axes axes{cv::Rect(cell.x + 78, cell.y + 34, cell.width - 98, cell.height - 90), x, y,
                  panel.log_y};
  DrawTicks(panel, axes, image);
  DrawMarks(panel, axes, image);
  DrawSeries(panel, axes, image);
  cv::rectangle(image, axes.plot, kBlack, 1);
  DrawLegend(panel, axes, image);
  Text(image, panel.title, {cell.x + 78, cell.y + 24}, 0.58, 1);
  Text(image, panel.x_label,
       {axes.plot.x + (axes.plot.width - TextWidth(panel.x_label, 0.46)) / 2,
        cell.y + cell.height - 18},
       0.46);
  VerticalText(image, panel.y_label, {cell.x + 16, axes.plot.y + axes.plot.height / 2}, 0.46);
}

absl::Status CheckChart(const LineChart& chart) {
  if (chart.columns < 1 || chart.panel_width < 240 || chart.panel_height < 180 ||
      chart.panel_width > 4096 || chart.panel_height > 4096 || chart.panels.size() > 64) {
    return absl::InvalidArgumentError("line chart: bad layout");
  }
  for (const ChartPanel& panel : chart.panels) {
    for (const LineSeries& s : panel.series) {
      if (s.x.size() != s.y.size()) {
        return absl::InvalidArgumentError(
            absl::StrCat("line chart: series \"", s.name, "\" has ", s.x.size(), " x and ",
                         s.y.size(), " y values"));
      }
    }
  }
  return absl::OkStatus();
}

cv::Mat Draw(const LineChart& chart) {
  const int columns = std::min<int>(chart.columns, std::max<int>(1, chart.panels.size()));
  const int rows = (static_cast<int>(chart.panels.size()) + columns - 1) / columns;
  const int title_height = chart.title.empty() ? 8 : 48;
  cv::Mat image(title_height + rows * chart.panel_height, columns * chart.panel_width, CV_8UC3,
                cv::Scalar(255, 255, 255));
  if (!chart.title.empty()) {
    const double scale = std::min(0.8, 0.8 * (image.cols - 40.0) /
                                           std::max(1, TextWidth(chart.title, 0.8, 2)));
    Text(image, chart.title, {20, 34}, scale, 2);
  }
  for (size_t i = 0; i < chart.panels.size(); ++i) {
    const cv::Rect cell(static_cast<int>(i % columns) * chart.panel_width,
                        title_height + static_cast<int>(i / columns) * chart.panel_height,
                        chart.panel_width, chart.panel_height);
    DrawPanel(chart.panels[i], cell, image);
  }
  return image;
}

}  // namespace

ChartPanel MakePanel(std::string title, std::string x_label, std::string y_label) {
  ChartPanel panel;
  panel.title = std::move(title);
  panel.x_label = std::move(x_label);
  panel.y_label = std::move(y_label);
  return panel;
}

absl::Status RenderLineChartPng(const LineChart& chart, std::string& png) {
  if (auto s = CheckChart(chart); !s.ok()) return s;
  std::vector<uchar> bytes;
  try {
    if (!cv::imencode(".png", Draw(chart), bytes)) {
      return absl::InternalError("line chart: PNG encoding failed");
    }
  } catch (const cv::Exception& e) {
    return absl::InternalError(absl::StrCat("line chart: ", e.what()));
  }
  png.assign(bytes.begin(), bytes.end());
  return absl::OkStatus();
}

absl::Status WriteLineChartPng(const LineChart& chart, const std::string& path) {
  std::string png;
  if (auto s = RenderLineChartPng(chart, png); !s.ok()) return s;
  return WriteFileAtomically(path, png, "chart");
}

}  // namespace simclr::core
