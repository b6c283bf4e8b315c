// Counting pixels of one colour: how the plot tests see what was drawn.
#ifndef SIMCLR_TESTS_TESTING_PIXELS_H_
#define SIMCLR_TESTS_TESTING_PIXELS_H_

#include "opencv2/core.hpp"

namespace simclr::testing {

inline int CountPixels(const cv::Mat& image, cv::Vec3b bgr) {
  int count = 0;
  for (int r = 0; r < image.rows; ++r) {
    for (int c = 0; c < image.cols; ++c) count += image.at<cv::Vec3b>(r, c) == bgr;
  }
  return count;
}

}  // namespace simclr::testing

#endif  // SIMCLR_TESTS_TESTING_PIXELS_H_
