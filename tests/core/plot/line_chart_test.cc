#include "core/plot/line_chart.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "opencv2/imgcodecs.hpp"
#include "tests/testing/pixels.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

namespace simclr::core {
namespace {

using ::simclr::testing::CountPixels;
using ::simclr::testing::IsOk;
using ::simclr::testing::StatusIs;


LineChart TwoPanels() {
  LineChart chart;
  chart.title = "curves";
  ChartPanel loss;
  loss.title = "Loss";
  LineSeries train;
  train.name = "train";
  train.colour = 0;  // tab10 blue
  for (int i = 0; i <= 50; ++i) train.x.push_back(i), train.y.push_back(5.0 / (1 + i));
  loss.series = {train};
  loss.x_marks = {{25, "epoch 1"}, {50, "epoch 2"}};
  ChartPanel accuracy;
  accuracy.title = "Top-1";
  accuracy.fixed_y = true;
  LineSeries top1;
  top1.colour = 3;  // tab10 red
  top1.markers = true;
  top1.x = {25, 50};
  top1.y = {0.4, 0.6};
  accuracy.series = {top1};
  chart.panels = {loss, accuracy};
  return chart;
}

TEST(LineChartTest, DrawsEachSeriesInItsColourInAGridOfPanels) {
  testing::TempDir dir;
  const std::string path = dir.path() + "/chart.png";
  const LineChart chart = TwoPanels();
  ASSERT_THAT(WriteLineChartPng(chart, path), IsOk());
  const cv::Mat image = cv::imread(path, cv::IMREAD_COLOR);
  ASSERT_FALSE(image.empty());
  EXPECT_EQ(image.cols, 2 * chart.panel_width);
  EXPECT_EQ(image.rows, 48 + chart.panel_height);
  // The blue line is in the left panel, the red markers in the right one.
  const cv::Mat left = image(cv::Rect(0, 0, chart.panel_width, image.rows));
  const cv::Mat right = image(cv::Rect(chart.panel_width, 0, chart.panel_width, image.rows));
  EXPECT_GT(CountPixels(left, {180, 119, 31}), 200);
  EXPECT_EQ(CountPixels(right, {180, 119, 31}), 0);
  EXPECT_GT(CountPixels(right, {40, 39, 214}), 20);
  EXPECT_EQ(CountPixels(left, {40, 39, 214}), 0);
}

TEST(LineChartTest, SkipsNonFiniteAndNonPositiveLogPointsWithoutFailing) {
  LineChart chart = TwoPanels();
  chart.panels[0].log_y = true;
  chart.panels[0].series[0].y[3] = 0;
  chart.panels[0].series[0].y[4] = std::nan("");
  chart.panels[1].series.clear();  // an empty panel still draws its frame
  std::string png;
  ASSERT_THAT(RenderLineChartPng(chart, png), IsOk());
  const cv::Mat image = cv::imdecode(std::vector<uchar>(png.begin(), png.end()), cv::IMREAD_COLOR);
  EXPECT_FALSE(image.empty());
}

TEST(LineChartTest, RefusesSeriesOfUnequalLengthAndBadLayouts) {
  std::string png;
  LineChart chart = TwoPanels();
  chart.panels[0].series[0].y.pop_back();
  EXPECT_THAT(RenderLineChartPng(chart, png),
              StatusIs(absl::StatusCode::kInvalidArgument, ::testing::HasSubstr("\"train\"")));
  chart = TwoPanels();
  chart.columns = 0;
  EXPECT_THAT(RenderLineChartPng(chart, png), StatusIs(absl::StatusCode::kInvalidArgument));
  chart = TwoPanels();
  chart.panel_width = 100000;
  EXPECT_THAT(RenderLineChartPng(chart, png), StatusIs(absl::StatusCode::kInvalidArgument));
}

}  // namespace
}  // namespace simclr::core
