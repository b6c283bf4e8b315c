// The optimisation knobs pretraining and fine-tuning share (optim.proto):
// optimiser, unfreezing rounds, learning-rate schedule and early stopping,
// with defaults filled in and ranges checked. Torch-free.
#ifndef SIMCLR_CORE_SPEC_TRAIN_SETTINGS_H_
#define SIMCLR_CORE_SPEC_TRAIN_SETTINGS_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "google/protobuf/repeated_field.h"
#include "simclr/v1/optim.pb.h"

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

struct TrainSettings {
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
  // The run's result is the best epoch's weights, not the last, when early
  // stopping is on.
  bool restore_best = true;

  int total_epochs() const;
};

// The fields of one job kind's config that TrainSettings reads, and that
// kind's defaults.
struct TrainConfig {
  const v1::OptimizerConfig* optimizer = nullptr;
  const v1::ScheduleConfig* schedule = nullptr;
  const google::protobuf::RepeatedPtrField<v1::UnfreezeRound>* rounds = nullptr;
  // Null: early stopping as `default_early_stopping` says.
  const v1::EarlyStoppingConfig* early_stopping = nullptr;
  int batch_size = 256;      // already range-checked by the caller
  // Images per optimizer step over all ranks (num_ranks × batch_size), the
  // batch that learning-rate scaling sees; 0: batch_size.
  int global_batch_size = 0;
  int epochs = 100;          // when there are no rounds; checked here
  double default_adam_lr = 1e-3;
  double default_sgd_lr = 0.3;
  v1::EarlyStoppingConfig default_early_stopping;
};

// Errors name fields under `field`, the kind's config (e.g. "finetune").
absl::StatusOr<TrainSettings> ResolveTrainSettings(const TrainConfig& config,
                                                   const std::string& field);

}  // namespace simclr::core

#endif  // SIMCLR_CORE_SPEC_TRAIN_SETTINGS_H_
