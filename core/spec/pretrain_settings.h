// A PretrainConfig with every default filled in and every range checked
// (defaults and ranges are those documented in the .proto files), the
// encoder, heads, input, augmentation and data included. Errors are
// INVALID_ARGUMENT naming the field path, e.g.
// "pretrain.temperature: 0 is outside (0, 10]". Torch-free.
#ifndef SIMCLR_CORE_SPEC_PRETRAIN_SETTINGS_H_
#define SIMCLR_CORE_SPEC_PRETRAIN_SETTINGS_H_

#include <cstdint>

#include "absl/status/statusor.h"
#include "core/spec/augment_params.h"
#include "core/spec/train_settings.h"
#include "simclr/v1/job_spec.pb.h"

namespace simclr::core {

struct PretrainSettings : TrainSettings {
  // Data.
  double val_fraction = 0.1;
  int64_t max_examples = 0;
  // Held out (never trained or validated on): an evaluation's test split.
  double test_fraction = 0;
  uint64_t split_seed = 0;
  int loader_threads = 0;
  int prefetch_batches = 4;
  bool drop_last = false;
  double max_corrupt_fraction = 0;

  AugmentParams augment;
  double temperature = 0.5;
  bool decoupled_loss = false;  // DCL instead of NT-Xent
  MultiCropParams multi_crop;

  int checkpoint_every_epochs = 1;
  int64_t checkpoint_every_steps = 0;
  int keep_latest = 2;
  bool keep_best = true;

  int log_every_steps = 10;
  int knn_every_epochs = 1;
  int knn_k = 200;
  int knn_bank_size = 5000;

  bool mixed_precision = false;
  // PretrainConfig.budget_minutes in seconds; 0: none (epochs decide).
  double budget_seconds = 0;
};

// `num_ranks` (JobSpec.num_ranks, already range-checked) makes the global
// batch num_ranks × batch_size: what learning-rate scaling uses, at most
// 65536 images.
absl::StatusOr<PretrainSettings> ResolvePretrainSettings(
    const v1::PretrainConfig& config, int num_ranks = 1);

}  // namespace simclr::core

#endif  // SIMCLR_CORE_SPEC_PRETRAIN_SETTINGS_H_
