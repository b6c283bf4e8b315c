#include "core/eval/scatter_plot.h"

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


TEST(ScatterPlotTest, DrawsEachClassInItsColourWithALegend) {
  testing::TempDir dir;
  ScatterPlot plot;
  plot.xy = {0, 0, 1, 1, 2, 0.5, -1, 3};
  plot.labels = {0, 0, 1, 1};
  plot.class_names = {"T-shirt", "Trouser"};
  plot.title = "test";
  plot.size = 512;
  const std::string path = dir.path() + "/plot.png";
  ASSERT_THAT(WriteScatterPng(plot, path), IsOk());
  const cv::Mat image = cv::imread(path, cv::IMREAD_COLOR);
  ASSERT_FALSE(image.empty());
  EXPECT_EQ(image.rows, 512);
  EXPECT_EQ(image.cols, 512);
  // tab10 blue (31, 119, 180) and orange (255, 127, 14), in BGR.
  const int blue = CountPixels(image, {180, 119, 31});
  const int orange = CountPixels(image, {14, 127, 255});
  EXPECT_GT(blue, 20);
  EXPECT_GT(orange, 20);
  // Mostly white background.
  EXPECT_GT(CountPixels(image, {255, 255, 255}), 512 * 512 / 2);
}

TEST(ScatterPlotTest, RejectsLabelsWithoutNames) {
  ScatterPlot plot;
  plot.xy = {0, 0, 1, 1};
  plot.labels = {0, 2};
  plot.class_names = {"a", "b"};
  EXPECT_THAT(WriteScatterPng(plot, "/tmp/never.png"),
              StatusIs(absl::StatusCode::kInvalidArgument));
  plot.labels = {0};
  EXPECT_THAT(WriteScatterPng(plot, "/tmp/never.png"),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(ScatterPlotTest, ReportsAnUnwritablePath) {
  ScatterPlot plot;
  plot.xy = {0, 0};
  EXPECT_THAT(WriteScatterPng(plot, "/nonexistent/dir/plot.png"),
              StatusIs(absl::StatusCode::kDataLoss));
}

}  // namespace
}  // namespace simclr::core
