#include "core/inference/dynamic_batcher.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <utility>

#include "absl/strings/str_cat.h"

namespace simclr::core {
namespace {

void L2Normalize(float* vector, int dim) {
  double sum = 0;
  for (int i = 0; i < dim; ++i) sum += double{vector[i]} * vector[i];
  // As torch.nn.functional.normalize: divide by max(‖v‖, 1e-12).
  const float scale = static_cast<float>(1.0 / std::max(std::sqrt(sum), 1e-12));
  for (int i = 0; i < dim; ++i) vector[i] *= scale;
}

}  // namespace

DynamicBatcher::DynamicBatcher(BatcherOptions options)
    : options_(std::move(options)) {
  absl::MutexLock lock(&stop_mu_);
  for (int i = 0; i < std::max(1, options_.lanes); ++i) {
    lanes_.emplace_back([this] { RunLane(); });
  }
}

DynamicBatcher::~DynamicBatcher() { Stop(); }

absl::Status DynamicBatcher::Submit(EmbedTask task) {
  absl::MutexLock lock(&mu_);
  if (stopping_)
    return absl::UnavailableError("the embedding service is shutting down");
  images_by_model_[task.model.get()] += task.count;
  queued_images_ += task.count;
  queue_.push_back({std::move(task), absl::Now(), next_sequence_++});
  return absl::OkStatus();
}

void DynamicBatcher::Stop() {
  absl::MutexLock stop_lock(&stop_mu_);
  std::deque<Queued> abandoned;
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
    abandoned.swap(queue_);
    images_by_model_.clear();
    queued_images_ = 0;
  }
  for (auto& queued : abandoned) {
    queued.task.done(
        absl::UnavailableError("the embedding service is shutting down"));
  }
  for (auto& lane : lanes_) lane.join();
  lanes_.clear();
}

int64_t DynamicBatcher::queued_images() const {
  absl::MutexLock lock(&mu_);
  return queued_images_;
}

bool DynamicBatcher::HeadBatchFull() const {
  if (stopping_) return true;
  if (queue_.empty()) return false;
  const auto it = images_by_model_.find(queue_.front().task.model.get());
  return it != images_by_model_.end() && it->second >= options_.max_batch;
}

void DynamicBatcher::RunLane() {
  std::vector<float> buffer;  // reused: one allocation per lane, not per batch
  while (true) {
    std::vector<Queued> batch;
    {
      absl::MutexLock lock(&mu_);
      mu_.Await(absl::Condition(
          +[](DynamicBatcher* self) ABSL_NO_THREAD_SAFETY_ANALYSIS {
            return self->stopping_ || !self->queue_.empty();
          },
          this));
      if (stopping_) return;
      // Wait for a full batch, or until the oldest task has waited enough.
      const uint64_t head = queue_.front().sequence;
      const absl::Time due = queue_.front().enqueued + options_.max_queue_delay;
      mu_.AwaitWithDeadline(
          absl::Condition(this, &DynamicBatcher::HeadBatchFull), due);
      if (stopping_) return;
      // Another lane took that batch: wait for the new oldest task's turn.
      if (queue_.empty() || queue_.front().sequence != head) continue;
      const LoadedEncoder* model = queue_.front().task.model.get();
      int64_t images = 0;
      for (auto it = queue_.begin(); it != queue_.end();) {
        if (it->task.model.get() != model) {
          ++it;
          continue;
        }
        if (images > 0 && images + it->task.count > options_.max_batch) break;
        images += it->task.count;
        batch.push_back(std::move(*it));
        it = queue_.erase(it);
      }
      queued_images_ -= images;
      if ((images_by_model_[model] -= images) == 0)
        images_by_model_.erase(model);
    }
    RunBatch(std::move(batch), buffer);
  }
}

void DynamicBatcher::RunBatch(std::vector<Queued> batch,
                              std::vector<float>& buffer) {
  const absl::Time start = absl::Now();
  // Cancelled and expired tasks leave before the forward: they never run.
  std::vector<Queued> live;
  for (auto& queued : batch) {
    // The deadline first: gRPC also cancels a call whose deadline passed.
    if (start > queued.task.deadline) {
      queued.task.done(absl::DeadlineExceededError(
          absl::StrCat("deadline passed after ",
                       absl::FormatDuration(start - queued.enqueued),
                       " in the queue, before its batch ran")));
    } else if (queued.task.cancelled != nullptr &&
               queued.task.cancelled->load()) {
      queued.task.done(absl::CancelledError("cancelled before its batch ran"));
    } else {
      live.push_back(std::move(queued));
    }
  }
  if (live.empty()) return;
  const LoadedEncoder& model = *live.front().task.model;
  const size_t values = model.input().values();
  const int dim = model.feature_dim();
  int64_t images = 0;
  for (const auto& queued : live) images += queued.task.count;
  const float* inputs = live.front().task.inputs.data();
  if (live.size() > 1) {
    buffer.resize(static_cast<size_t>(images) * values);
    size_t at = 0;
    for (const auto& queued : live) {
      std::memcpy(buffer.data() + at, queued.task.inputs.data(),
                  queued.task.inputs.size() * sizeof(float));
      at += queued.task.inputs.size();
    }
    inputs = buffer.data();
  }
  std::vector<float> features(static_cast<size_t>(images) * dim);
  const absl::Status status = model.Forward(inputs, images, features.data());
  const absl::Duration compute = absl::Now() - start;
  if (options_.on_batch) options_.on_batch(images, compute);
  size_t at = 0;
  for (auto& queued : live) {
    if (!status.ok()) {
      queued.task.done(status);
      continue;
    }
    EmbedOutput output;
    output.vectors.assign(features.begin() + at,
                          features.begin() + at + queued.task.count * dim);
    at += queued.task.count * dim;
    if (queued.task.l2_normalize) {
      for (int64_t i = 0; i < queued.task.count; ++i)
        L2Normalize(&output.vectors[i * dim], dim);
    }
    output.queued = start - queued.enqueued;
    output.compute = compute;
    output.batch_images = images;
    queued.task.done(std::move(output));
  }
}

}  // namespace simclr::core
