#include "core/inference/dynamic_batcher.h"

#include <atomic>
#include <cmath>
#include <memory>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "core/runtime/device.h"
#include "gtest/gtest.h"
#include "tests/core/inference/tiny_encoder.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

namespace simclr::core {
namespace {

using ::simclr::testing::IsOk;
using ::simclr::testing::StatusIs;

constexpr int kChannels = 1, kSize = 8, kDim = 3;

class DynamicBatcherTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto meta =
        simclr::testing::WriteTinyEncoder(dir_.path(), kChannels, kSize, kDim);
    auto model = LoadedEncoder::Load(dir_.path(), "ckpt-1-1", meta, "cpu");
    ASSERT_THAT(model, IsOk());
    model_ = *model;
  }

  // A one-image task whose input is all `value`; its result lands in
  // results_[index].
  EmbedTask Task(float value, int index, absl::Notification* done) {
    EmbedTask task;
    task.model = model_;
    task.count = 1;
    task.inputs.assign(kChannels * kSize * kSize, value);
    task.done = [this, index, done](absl::StatusOr<EmbedOutput> output) {
      absl::MutexLock lock(&mu_);
      results_[index] = std::move(output);
      done->Notify();
    };
    return task;
  }

  // Options whose batches are recorded in batches_.
  BatcherOptions Recording(int64_t max_batch, absl::Duration delay) {
    BatcherOptions options;
    options.max_batch = max_batch;
    options.max_queue_delay = delay;
    options.on_batch = [this](int64_t images, absl::Duration) {
      absl::MutexLock lock(&batches_mu_);
      batches_.push_back(images);
    };
    return options;
  }

  // The tiny encoder's features of an all-`value` input.
  static std::vector<float> Expected(float value) {
    const at::Tensor w =
        simclr::testing::TinyEncoderWeights(kChannels, kSize, kDim);
    const at::Tensor f = w.sum(0) * value;
    return std::vector<float>(f.data_ptr<float>(), f.data_ptr<float>() + kDim);
  }

  simclr::testing::TempDir dir_;
  std::shared_ptr<const LoadedEncoder> model_;
  absl::Mutex mu_;
  std::vector<absl::StatusOr<EmbedOutput>> results_ =
      std::vector<absl::StatusOr<EmbedOutput>>(16,
                                               absl::UnknownError("not run"));
  absl::Mutex batches_mu_;
  std::vector<int64_t> batches_;
};

TEST_F(DynamicBatcherTest,
       MergesQueuedRequestsUpToMaxBatchWithTheRightResults) {
  // Only full batches run before 2 s.
  DynamicBatcher batcher(Recording(4, absl::Seconds(2)));
  std::vector<absl::Notification> done(8);
  for (int i = 0; i < 8; ++i)
    ASSERT_THAT(batcher.Submit(Task(i * 0.5f, i, &done[i])), IsOk());
  for (auto& n : done) n.WaitForNotification();
  {
    absl::MutexLock lock(&batches_mu_);
    EXPECT_EQ(batches_, (std::vector<int64_t>{4, 4}));
  }
  for (int i = 0; i < 8; ++i) {
    ASSERT_THAT(results_[i], IsOk());
    EXPECT_EQ(results_[i]->batch_images, 4);
    const auto expected = Expected(i * 0.5f);
    for (int d = 0; d < kDim; ++d)
      EXPECT_NEAR(results_[i]->vectors[d], expected[d], 1e-4);
  }
}

TEST_F(DynamicBatcherTest, APartialBatchRunsOnceItsOldestRequestHasWaited) {
  DynamicBatcher batcher(Recording(64, absl::Milliseconds(20)));
  std::vector<absl::Notification> done(3);
  for (int i = 0; i < 3; ++i)
    ASSERT_THAT(batcher.Submit(Task(1, i, &done[i])), IsOk());
  for (auto& n : done) n.WaitForNotification();
  absl::MutexLock lock(&batches_mu_);
  EXPECT_EQ(batches_, (std::vector<int64_t>{3}));
  EXPECT_GE(results_[0]->queued, absl::Milliseconds(15));
}

TEST_F(DynamicBatcherTest, CancelledAndExpiredRequestsNeverReachTheModel) {
  DynamicBatcher batcher(Recording(8, absl::Milliseconds(50)));
  std::vector<absl::Notification> done(3);
  auto cancelled = std::make_shared<std::atomic<bool>>(false);
  EmbedTask cancel_me = Task(1, 0, &done[0]);
  cancel_me.cancelled = cancelled;
  EmbedTask expire_me = Task(1, 1, &done[1]);
  expire_me.deadline = absl::Now() + absl::Milliseconds(5);
  ASSERT_THAT(batcher.Submit(std::move(cancel_me)), IsOk());
  ASSERT_THAT(batcher.Submit(std::move(expire_me)), IsOk());
  ASSERT_THAT(batcher.Submit(Task(2, 2, &done[2])), IsOk());
  cancelled->store(true);  // the client went away while it was queued
  for (auto& n : done) n.WaitForNotification();
  EXPECT_THAT(results_[0], StatusIs(absl::StatusCode::kCancelled));
  EXPECT_THAT(results_[1], StatusIs(absl::StatusCode::kDeadlineExceeded));
  ASSERT_THAT(results_[2], IsOk());
  absl::MutexLock lock(&batches_mu_);
  EXPECT_EQ(batches_, (std::vector<int64_t>{1}));  // only the live one ran
}

TEST_F(DynamicBatcherTest, L2NormalisedVectorsHaveUnitLength) {
  DynamicBatcher batcher(BatcherOptions{});
  absl::Notification done;
  EmbedTask task = Task(3, 0, &done);
  task.l2_normalize = true;
  ASSERT_THAT(batcher.Submit(std::move(task)), IsOk());
  done.WaitForNotification();
  ASSERT_THAT(results_[0], IsOk());
  double norm = 0;
  for (float v : results_[0]->vectors) norm += v * v;
  EXPECT_NEAR(std::sqrt(norm), 1.0, 1e-5);
}

TEST_F(DynamicBatcherTest, StopAnswersQueuedRequestsAndRefusesNewOnes) {
  BatcherOptions options;
  options.max_batch = 64;
  options.max_queue_delay = absl::Seconds(1);
  DynamicBatcher batcher(options);
  absl::Notification done;
  ASSERT_THAT(batcher.Submit(Task(1, 0, &done)), IsOk());
  batcher.Stop();
  done.WaitForNotification();
  EXPECT_THAT(results_[0], StatusIs(absl::StatusCode::kUnavailable));
  absl::Notification never;
  EXPECT_THAT(batcher.Submit(Task(1, 1, &never)),
              StatusIs(absl::StatusCode::kUnavailable));
  EXPECT_FALSE(never.HasBeenNotified());
}

TEST(LoadedEncoderTest, RefusesACheckpointWhoseMetadataDoesNotMatchItsEncoder) {
  simclr::testing::TempDir dir;
  auto meta = simclr::testing::WriteTinyEncoder(dir.path(), 1, 8, 3);
  meta.set_feature_dim(5);  // the module gives 3
  EXPECT_THAT(LoadedEncoder::Load(dir.path(), "ckpt-1-1", meta, "cpu"),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       ::testing::HasSubstr("does not match meta.json")));
  meta.set_feature_dim(3);
  EXPECT_THAT(
      LoadedEncoder::Load(dir.path() + "/missing", "ckpt-1-1", meta, "cpu"),
      StatusIs(absl::StatusCode::kFailedPrecondition,
               ::testing::HasSubstr("cannot load encoder.pt")));
  auto loaded = LoadedEncoder::Load(dir.path(), "ckpt-1-1", meta, "cpu");
  ASSERT_THAT(loaded, IsOk());
  EXPECT_EQ((*loaded)->feature_dim(), 3);
  EXPECT_EQ((*loaded)->bytes(), 64 * 3 * 4);
}

TEST(LoadedEncoderTest, GivesTheSameFeaturesOnCudaAsOnTheCpu) {
  if (CudaDeviceCount() == 0) GTEST_SKIP() << "no CUDA device";
  simclr::testing::TempDir dir;
  const auto meta = simclr::testing::WriteTinyEncoder(dir.path(), 1, 8, 3);
  auto cpu = LoadedEncoder::Load(dir.path(), "ckpt-1-1", meta, "cpu");
  auto cuda = LoadedEncoder::Load(dir.path(), "ckpt-1-1", meta, "cuda");
  ASSERT_THAT(cpu, IsOk());
  ASSERT_THAT(cuda, IsOk());
  std::vector<float> inputs(2 * 64);
  for (size_t i = 0; i < inputs.size(); ++i)
    inputs[i] = 0.01f * static_cast<float>(i);
  std::vector<float> on_cpu(6), on_cuda(6);
  ASSERT_THAT((*cpu)->Forward(inputs.data(), 2, on_cpu.data()), IsOk());
  ASSERT_THAT((*cuda)->Forward(inputs.data(), 2, on_cuda.data()), IsOk());
  for (int i = 0; i < 6; ++i)
    EXPECT_NEAR(on_cuda[i], on_cpu[i], 1e-3 * std::abs(on_cpu[i]) + 1e-4);
}

}  // namespace
}  // namespace simclr::core
