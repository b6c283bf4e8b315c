// A test fixture for training jobs run in-process: one intra-op thread
// (bitwise-reproducible float reductions) and a fresh job folder per test.
#ifndef SIMCLR_TESTS_TESTING_JOB_DIR_FIXTURE_H_
#define SIMCLR_TESTS_TESTING_JOB_DIR_FIXTURE_H_

#include <atomic>

#include "ATen/Parallel.h"
#include "core/runtime/job_run.h"
#include "gtest/gtest.h"
#include "tests/testing/temp_dir.h"

namespace simclr::testing {

class JobDirTest : public ::testing::Test {
 protected:
  void SetUp() override { at::set_num_threads(1); }
  // The job in <temp>/job; `resume` continues from its newest checkpoint.
  core::JobRun Run(bool resume = false, const std::atomic<bool>* stop = nullptr) {
    core::JobRun run;
    run.job_dir = dir_.path() + "/job";
    run.resume = resume;
    run.stop = stop;
    return run;
  }
  TempDir dir_;
};

}  // namespace simclr::testing

#endif  // SIMCLR_TESTS_TESTING_JOB_DIR_FIXTURE_H_
