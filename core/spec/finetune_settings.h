// A FinetuneConfig with its defaults filled in and every field checked.
// Its optimisation fields mean what they mean for pretraining and are
// resolved by the same code (train_settings), with fine-tuning's defaults
// (batch 128, Adam at 1e-4, 10 epochs, early stopping with patience 5).
// Torch-free.
#ifndef SIMCLR_CORE_SPEC_FINETUNE_SETTINGS_H_
#define SIMCLR_CORE_SPEC_FINETUNE_SETTINGS_H_

#include <optional>

#include "absl/status/statusor.h"
#include "core/spec/augment_params.h"
#include "core/spec/eval_settings.h"
#include "core/spec/train_settings.h"
#include "simclr/v1/job_spec.pb.h"

namespace simclr::core {

struct FinetuneSettings {
  EvalProtocolSettings protocol;
  TrainSettings train;  // batch, optimizer, rounds, schedule, stopping
  std::optional<AugmentParams> augment;  // none: the eval transform
  bool equal_steps_per_fraction = true;
};

absl::StatusOr<FinetuneSettings> ResolveFinetuneSettings(
    const v1::FinetuneConfig& config);

}  // namespace simclr::core

#endif  // SIMCLR_CORE_SPEC_FINETUNE_SETTINGS_H_
