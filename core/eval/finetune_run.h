// One fine-tuning run: an encoder plus a classifier head trained end to end
// on one label subset through the unfreezing rounds (a new optimiser each
// round, as the ancestor recompiled its Keras model), early stopping on the
// validation loss (restoring the best epoch's weights when asked), then
// scored on the test images.
#ifndef SIMCLR_CORE_EVAL_FINETUNE_RUN_H_
#define SIMCLR_CORE_EVAL_FINETUNE_RUN_H_

#include <atomic>
#include <cstdint>
#include <optional>
#include <vector>

#include "absl/status/statusor.h"
#include "c10/core/Device.h"
#include "core/augment/view_transform.h"
#include "core/common/event_sink.h"
#include "core/eval/eval_data.h"
#include "core/models/classifier_head.h"
#include "core/models/encoder.h"
#include "core/spec/finetune_settings.h"
#include "simclr/v1/job.pb.h"

namespace simclr::core {

// What every run of a job shares.
struct RunInputs {
  const EvalData* data = nullptr;
  const InputShape* shape = nullptr;
  const FinetuneSettings* settings = nullptr;
  // Training augmentation; none: the eval transform.
  std::optional<TrainViewTransform> transform;
  c10::Device device = c10::Device(c10::kCPU);
  const std::atomic<bool>* stop = nullptr;
};

struct RunResult {
  double top1 = 0;
  std::vector<int64_t> predicted;  // per test image
  int epochs = 0;
  int64_t steps = 0;
  // Every epoch's summary (train and validation loss, validation top-1).
  std::vector<v1::EpochSummary> history;
};

// FAILED_PRECONDITION if the loss turns NaN or infinite; ABORTED when
// in.stop is set.
absl::StatusOr<RunResult> FinetuneOnce(Encoder& encoder, ClassifierHead& head,
                                       const std::vector<int64_t>& train_ids,
                                       uint64_t seed, const RunInputs& in,
                                       EventSink& events);

}  // namespace simclr::core

#endif  // SIMCLR_CORE_EVAL_FINETUNE_RUN_H_
