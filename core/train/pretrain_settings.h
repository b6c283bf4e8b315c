// A PretrainConfig with every default filled in and every range checked
// (defaults and ranges are those documented in the .proto files). Errors
// are INVALID_ARGUMENT naming the field path, e.g.
// "pretrain.temperature: 0 is outside (0, 10]". Torch-free.
#ifndef SIMCLR_CORE_TRAIN_PRETRAIN_SETTINGS_H_
#define SIMCLR_CORE_TRAIN_PRETRAIN_SETTINGS_H_

#include <cstdint>
#include <vector>

#include "absl/status/statusor.h"
#include "simclr/v1/job_spec.pb.h"

namespace simclr::core {

struct OptimizerSettings {
  v1::OptimizerKind kind = v1::OPTIMIZER_KIND_ADAM;
  double weight_decay = 0;
  double momentum = 0.9;
  double beta1 = 0.9, beta2 = 0.999, eps = 1e-8;
  bool amsgrad = false;
  double trust_coefficient = 0.001;
};

struct RoundSettings {
  int unfrozen_layers = -1;
  // After batch-size scaling.
  double learning_rate = 0;
  int epochs = 0;
};

enum class ScheduleKind { kConstant, kWarmupCosine, kReduceOnPlateau };

struct PretrainSettings {
  // Data.
  double val_fraction = 0.1;
  int64_t max_examples = 0;
  uint64_t split_seed = 0;
  int loader_threads = 0;
  int prefetch_batches = 4;
  bool drop_last = false;
  double max_corrupt_fraction = 0;

  double temperature = 0.5;
  int batch_size = 256;
  OptimizerSettings optimizer;
  // At least one; without unfreeze_rounds, one round training everything.
  std::vector<RoundSettings> rounds;

  ScheduleKind schedule = ScheduleKind::kConstant;
  double warmup_epochs = 10;
  double final_lr_ratio = 0;
  double plateau_factor = 0.1;
  int plateau_patience = 10;
  double plateau_min_delta = 1e-4;
  double plateau_min_lr = 0;

  bool early_stopping = false;
  int early_stopping_patience = 10;
  double early_stopping_min_delta = 0;
  // The run's result (checkpoints/final) is the best checkpoint, not the
  // last, when early stopping is on.
  bool restore_best = true;

  int checkpoint_every_epochs = 1;
  int64_t checkpoint_every_steps = 0;
  int keep_latest = 2;
  bool keep_best = true;

  int log_every_steps = 10;
  int knn_every_epochs = 1;
  int knn_k = 200;
  int knn_bank_size = 5000;

  bool mixed_precision = false;

  int total_epochs() const;
};

absl::StatusOr<PretrainSettings> ResolvePretrainSettings(
    const v1::PretrainConfig& config);

}  // namespace simclr::core

#endif  // SIMCLR_CORE_TRAIN_PRETRAIN_SETTINGS_H_
