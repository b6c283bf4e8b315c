// What the JobManager tests share: a manager over a real SQLite store in a
// temporary folder, with the fake worker launcher, acting as the local
// principal.
#ifndef SIMCLR_TESTS_SERVER_JOBS_JOB_MANAGER_FIXTURE_H_
#define SIMCLR_TESTS_SERVER_JOBS_JOB_MANAGER_FIXTURE_H_

#include <memory>
#include <string>

#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "core/common/job_spec_json.h"
#include "server/jobs/job_manager.h"
#include "tests/server/jobs/fake_worker_launcher.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

namespace simclr::server {

// A pretraining spec on a local Fashion-MNIST file (the fake workers never
// read it).
inline v1::JobSpec TinyPretrainSpec() {
  auto spec = core::ParseJobSpecJson(R"({"pretrain": {
    "data": {"train": {"local": {"format": "DATASET_FORMAT_IDX",
      "path": "/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz"}}},
    "encoder": {"builtin": {"arch": "ARCHITECTURE_SMALL_CNN"}}}})",
                                     "test");
  EXPECT_TRUE(spec.ok()) << spec.status();
  return spec.ok() ? *spec : v1::JobSpec();
}

class JobManagerFixture : public ::testing::Test {
 protected:
  // (Re)opens the store and a manager running `max_concurrent` jobs at
  // once, on `devices` slots (empty: max_concurrent CPU slots).
  void Open(int max_concurrent, const std::string& devices = "") {
    manager_.reset();
    store_.reset();
    auto store = JobStore::Open(dir_.path() + "/simclr.db");
    ASSERT_THAT(store, ::simclr::testing::IsOk());
    store_ = *std::move(store);
    launcher_ = std::make_shared<::simclr::testing::FakeWorkerLauncher>();
    JobManagerOptions options;
    options.data_dir = dir_.path();
    options.worker_path = "/nonexistent/simclr-worker";
    options.max_concurrent_jobs = max_concurrent;
    options.devices = devices;
    options.stop_grace = absl::Seconds(5);
    options.launcher = launcher_;
    options.path_policy = *PathPolicy::Create({"/usr/share/datasets"});
    auto manager = JobManager::Create(options, store_.get());
    ASSERT_THAT(manager, ::simclr::testing::IsOk());
    manager_ = *std::move(manager);
  }

  // Polls until the job is in `state` (10 s at most).
  v1::Job Await(const std::string& id, v1::JobState state) {
    v1::Job job;
    for (int i = 0; i < 1000; ++i) {
      job = *manager_->Get(id, who_);
      if (job.state() == state) break;
      absl::SleepFor(absl::Milliseconds(10));
    }
    EXPECT_EQ(v1::JobState_Name(job.state()), v1::JobState_Name(state)) << id;
    return job;
  }

  ::simclr::testing::TempDir dir_;
  std::unique_ptr<JobStore> store_;
  std::shared_ptr<::simclr::testing::FakeWorkerLauncher> launcher_;
  std::unique_ptr<JobManager> manager_;
  const Principal who_ = LocalPrincipal();
};

}  // namespace simclr::server

#endif  // SIMCLR_TESTS_SERVER_JOBS_JOB_MANAGER_FIXTURE_H_
