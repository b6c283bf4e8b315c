#include "core/spec/finetune_settings.h"

#include "core/common/status_macros.h"
#include "core/spec/checks.h"
#include "core/spec/data_checks.h"
#include "core/spec/model_checks.h"

namespace simclr::core {
namespace {

constexpr char kField[] = "finetune";

std::string At(const char* name) { return Sub(kField, name); }

absl::StatusOr<TrainSettings> ResolveTraining(const v1::FinetuneConfig& c) {
  TrainConfig train;
  train.optimizer = &c.optimizer();
  train.schedule = &c.schedule();
  train.rounds = &c.unfreeze_rounds();
  train.early_stopping = c.has_early_stopping() ? &c.early_stopping() : nullptr;
  train.default_early_stopping.set_enabled(true);
  train.default_early_stopping.set_patience(5);
  train.batch_size = c.has_batch_size() ? c.batch_size() : 128;
  SIMCLR_RETURN_IF_ERROR(CheckInt(At("batch_size"), train.batch_size, 2, 65536));
  train.epochs = 10;
  train.default_adam_lr = 1e-4;
  train.default_sgd_lr = 1e-4;
  return ResolveTrainSettings(train, kField);
}

}  // namespace

absl::StatusOr<FinetuneSettings> ResolveFinetuneSettings(
    const v1::FinetuneConfig& config) {
  FinetuneSettings s;
  SIMCLR_RETURN_IF_ERROR(ValidateDataConfig(config.data(), At("data")));
  SIMCLR_RETURN_IF_ERROR(ValidateEvalSubjects(config.subjects(), At("subjects"),
                                              /*allow_raw_pixels=*/false));
  SIMCLR_RETURN_IF_ERROR(ValidateInputSpec(config.input(), At("input")));
  SIMCLR_RETURN_IF_ERROR(ValidateClassifierHead(config.head(), At("head")));
  SIMCLR_ASSIGN_OR_RETURN(s.protocol,
                          ResolveEvalProtocol(config.protocol(), At("protocol")));
  SIMCLR_ASSIGN_OR_RETURN(s.train, ResolveTraining(config));
  // Checked whatever the preset, so a value the job ignores is no less wrong.
  SIMCLR_ASSIGN_OR_RETURN(
      AugmentParams augment,
      ResolveAugmentParams(config.augmentation(), At("augmentation")));
  if (config.has_augmentation() &&
      config.augmentation().preset() != v1::AUGMENTATION_PRESET_NONE) {
    s.augment = augment;
  }
  if (config.has_equal_steps_per_fraction()) {
    s.equal_steps_per_fraction = config.equal_steps_per_fraction();
  }
  return s;
}

}  // namespace simclr::core
