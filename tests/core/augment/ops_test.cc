// Each op's statistics over many draws, not just that it runs.
#include "core/augment/ops.h"

#include <algorithm>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "opencv2/imgproc.hpp"

namespace simclr::core {
namespace {

constexpr int kDraws = 4000;

// A colourful test image: a red-green gradient with a blue square.
cv::Mat ColourImage(int size = 32) {
  cv::Mat image(size, size, CV_8UC3);
  for (int y = 0; y < size; ++y) {
    for (int x = 0; x < size; ++x) {
      image.at<cv::Vec3b>(y, x) =
          cv::Vec3b(static_cast<uchar>(8 * x), static_cast<uchar>(8 * y),
                    (x > 8 && x < 20 && y > 8 && y < 20) ? 220 : 30);
    }
  }
  return image;
}

bool Equal(const cv::Mat& a, const cv::Mat& b) {
  return a.size() == b.size() && a.type() == b.type() &&
         cv::norm(a, b, cv::NORM_INF) == 0;
}

TEST(RandomResizedCropTest, AreaAndAspectStayInRange) {
  AugmentParams params;
  AugmentRng rng(1);
  double area_sum = 0, area_min = 1, area_max = 0;
  for (int i = 0; i < kDraws; ++i) {
    const cv::Rect r = SampleResizedCrop(100, 100, params, rng);
    ASSERT_GE(r.x, 0);
    ASSERT_GE(r.y, 0);
    ASSERT_LE(r.x + r.width, 100);
    ASSERT_LE(r.y + r.height, 100);
    const double area = r.area() / 10000.0;
    const double ratio = static_cast<double>(r.width) / r.height;
    // Rounding to whole pixels widens the bounds slightly.
    EXPECT_GE(area, 0.08 * 0.9);
    EXPECT_LE(area, 1.0);
    EXPECT_GE(ratio, 0.75 * 0.9);
    EXPECT_LE(ratio, 4.0 / 3.0 * 1.1);
    area_sum += area;
    area_min = std::min(area_min, area);
    area_max = std::max(area_max, area);
  }
  // Uniform area on [0.08, 1] has mean 0.54; large crops with extreme
  // ratios do not fit a square and are redrawn, which lowers it a little.
  EXPECT_NEAR(area_sum / kDraws, 0.52, 0.04);
  EXPECT_LT(area_min, 0.1);
  EXPECT_GT(area_max, 0.9);
}

TEST(RandomResizedCropTest, OutputHasTheRequestedSize) {
  AugmentParams params;
  AugmentRng rng(2);
  const cv::Mat out = RandomResizedCrop(ColourImage(40), 24, params, rng);
  EXPECT_EQ(out.rows, 24);
  EXPECT_EQ(out.cols, 24);
  EXPECT_EQ(out.type(), CV_8UC3);
}

TEST(HorizontalFlipTest, FlipsHalfTheTimeAndMirrors) {
  AugmentRng rng(3);
  const cv::Mat original = ColourImage();
  cv::Mat mirrored;
  cv::flip(original, mirrored, 1);
  int flips = 0;
  for (int i = 0; i < kDraws; ++i) {
    cv::Mat image = original.clone();
    const bool flipped = MaybeFlip(image, 0.5f, rng);
    flips += flipped;
    ASSERT_TRUE(Equal(image, flipped ? mirrored : original));
  }
  EXPECT_NEAR(static_cast<double>(flips) / kDraws, 0.5, 0.03);
}

TEST(ColorJitterTest, AppliesWithItsProbability) {
  AugmentParams params;
  AugmentRng rng(4);
  int applied = 0;
  for (int i = 0; i < kDraws; ++i) {
    cv::Mat image = ColourImage();
    applied += MaybeColorJitter(image, params, rng);
  }
  EXPECT_NEAR(static_cast<double>(applied) / kDraws, 0.8, 0.03);
}

TEST(ColorJitterTest, BrightnessFactorsSpanTheRange) {
  AugmentParams params;
  params.jitter_probability = 1;
  params.contrast = params.saturation = params.hue = 0;  // brightness only
  AugmentRng rng(5);
  double sum = 0, low = 10, high = 0;
  for (int i = 0; i < kDraws; ++i) {
    cv::Mat image(8, 8, CV_8UC3, cv::Scalar(100, 100, 100));
    MaybeColorJitter(image, params, rng);
    const double factor = cv::mean(image)[0] / 100.0;
    sum += factor;
    low = std::min(low, factor);
    high = std::max(high, factor);
  }
  // Uniform on [0.2, 1.8]: mean 1, extremes near the ends.
  EXPECT_NEAR(sum / kDraws, 1.0, 0.03);
  EXPECT_LT(low, 0.25);
  EXPECT_GT(high, 1.75);
}

TEST(ColorJitterTest, FunctionalOpsMatchTheirDefinitions) {
  cv::Mat image = ColourImage();
  cv::Mat gray;
  cv::cvtColor(image, gray, cv::COLOR_RGB2GRAY);

  cv::Mat flat = image.clone();
  AdjustContrast(flat, 0.0);  // every pixel becomes the grey mean
  EXPECT_NEAR(cv::norm(flat - cv::Scalar::all(cv::mean(gray)[0]), cv::NORM_INF),
              0, 1);

  cv::Mat desaturated = image.clone();
  AdjustSaturation(desaturated, 0.0);  // becomes its own grey image
  cv::Mat gray3;
  cv::cvtColor(gray, gray3, cv::COLOR_GRAY2RGB);
  EXPECT_LE(cv::norm(desaturated, gray3, cv::NORM_INF), 1);

  cv::Mat red(4, 4, CV_8UC3, cv::Scalar(255, 0, 0));  // RGB red
  AdjustHue(red, 0.5);                                // half the circle: cyan
  const cv::Vec3b cyan = red.at<cv::Vec3b>(0, 0);
  EXPECT_LT(cyan[0], 10);
  EXPECT_GT(cyan[1], 245);
  EXPECT_GT(cyan[2], 245);
}

TEST(ColorJitterTest, OneChannelIgnoresSaturationAndHue) {
  AugmentParams params;
  params.jitter_probability = 1;
  params.brightness = params.contrast = 0;
  AugmentRng rng(6);
  cv::Mat grey(8, 8, CV_8UC1);
  cv::randu(grey, 0, 255);
  const cv::Mat original = grey.clone();
  for (int i = 0; i < 100; ++i) {
    ASSERT_TRUE(MaybeColorJitter(grey, params, rng));
    ASSERT_TRUE(Equal(grey, original));
  }
}

TEST(RandomGrayscaleTest, GreysTwentyPercentOfImages) {
  AugmentRng rng(7);
  int greyed = 0;
  for (int i = 0; i < kDraws; ++i) {
    cv::Mat image = ColourImage();
    if (MaybeGrayscale(image, 0.2f, rng)) {
      ++greyed;
      std::vector<cv::Mat> planes;
      cv::split(image, planes);
      ASSERT_TRUE(Equal(planes[0], planes[1]) && Equal(planes[1], planes[2]));
    }
  }
  EXPECT_NEAR(static_cast<double>(greyed) / kDraws, 0.2, 0.02);
}

TEST(GaussianBlurTest, KernelIsTenPercentOddAndAtLeastThree) {
  EXPECT_EQ(BlurKernelSize(28, 0.1f), 3);
  EXPECT_EQ(BlurKernelSize(96, 0.1f), 11);
  EXPECT_EQ(BlurKernelSize(224, 0.1f), 23);
  EXPECT_EQ(BlurKernelSize(8, 0.1f), 3);
}

TEST(GaussianBlurTest, BlursHalfTheTimeAndSmooths) {
  AugmentParams params;
  AugmentRng rng(8);
  cv::Mat checker(32, 32, CV_8UC1);
  for (int y = 0; y < 32; ++y)
    for (int x = 0; x < 32; ++x) checker.at<uchar>(y, x) = ((x + y) % 2) * 255;
  cv::Scalar mean, sharp;
  cv::meanStdDev(checker, mean, sharp);
  int blurred = 0;
  double smooth_sum = 0;
  for (int i = 0; i < 2000; ++i) {
    cv::Mat image = checker.clone();
    if (MaybeBlur(image, params, rng)) {
      ++blurred;
      cv::Scalar smooth;
      cv::meanStdDev(image, mean, smooth);
      // sigma near 0.1 is almost the identity; it never sharpens.
      ASSERT_LE(smooth[0], sharp[0]);
      smooth_sum += smooth[0];
    } else {
      ASSERT_TRUE(Equal(image, checker));
    }
  }
  EXPECT_NEAR(blurred / 2000.0, 0.5, 0.04);
  // Over sigma ~ U(0.1, 2) a 3x3 kernel flattens a checkerboard a lot.
  EXPECT_LT(smooth_sum / blurred, 0.6 * sharp[0]);
}

TEST(AugmentRngTest, SameKeysSameDrawsAndViewsDiffer) {
  AugmentRng a(1, 2, 3, 0), b(1, 2, 3, 0), other_view(1, 2, 3, 1),
      other_epoch(1, 3, 3, 0);
  const double first = a.Uniform();
  EXPECT_EQ(first, b.Uniform());
  EXPECT_NE(first, other_view.Uniform());
  EXPECT_NE(first, other_epoch.Uniform());
}

}  // namespace
}  // namespace simclr::core
