// A checkpoint's encoder in real PyTorch against the worker: the worker's
// eval-transform features of the first 24 images of `images` (through the
// checkpoint folder `worker_checkpoint`), then examples/python/check_encoder.py
// on the downloaded folder `downloaded` with no project code, within 1e-5.
#ifndef SIMCLR_TESTS_E2E_ENCODER_CHECK_H_
#define SIMCLR_TESTS_E2E_ENCODER_CHECK_H_

#include <cstdlib>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/subprocess.h"

namespace simclr::testing {

inline void ExpectPyTorchGivesTheWorkersFeatures(const std::string& worker_checkpoint,
                                                 const std::string& downloaded,
                                                 const std::string& spec_path,
                                                 const std::string& images,
                                                 const std::string& work_dir) {
  auto features = RunProcess(
      {SIMCLR_WORKER_PATH, "--num_threads", "1", "features", "--checkpoint",
       worker_checkpoint, "--spec", spec_path, "--count", "24", "--out",
       work_dir + "/features.npy"},
      absl::Seconds(120));
  ASSERT_THAT(features, IsOk());
  ASSERT_EQ(features->exit_code, 0) << features->stderr_text;
  auto python = RunProcess(
      {"/usr/bin/python3",
       std::string(std::getenv("SIMCLR_SOURCE_DIR")) + "/examples/python/check_encoder.py",
       downloaded, images, work_dir + "/features.npy"},
      absl::Seconds(120));
  ASSERT_THAT(python, IsOk());
  EXPECT_EQ(python->exit_code, 0) << python->stdout_text << python->stderr_text;
  EXPECT_THAT(python->stdout_text, ::testing::HasSubstr("OK: torch.jit.load"));
}

}  // namespace simclr::testing

#endif  // SIMCLR_TESTS_E2E_ENCODER_CHECK_H_
