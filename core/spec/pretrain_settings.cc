#include "core/spec/pretrain_settings.h"

#include <algorithm>

#include "absl/strings/str_cat.h"

#include "core/common/field_error.h"
#include "core/common/status_macros.h"
#include "core/spec/checks.h"
#include "core/spec/data_checks.h"
#include "core/spec/model_checks.h"

namespace simclr::core {
namespace {

constexpr char kField[] = "pretrain";

std::string At(const char* name) { return Sub(kField, name); }

absl::Status ResolveData(const v1::DataConfig& data, PretrainSettings& s) {
  SIMCLR_RETURN_IF_ERROR(ValidateDataConfig(data, At("data")));
  if (data.has_val_fraction()) s.val_fraction = data.val_fraction();
  s.max_examples = data.max_examples();
  if (data.has_test_fraction()) s.test_fraction = data.test_fraction();
  s.split_seed = data.split_seed();
  s.loader_threads = data.loader_threads();
  if (data.has_prefetch_batches()) s.prefetch_batches = data.prefetch_batches();
  s.drop_last = data.drop_last();
  s.max_corrupt_fraction = data.max_corrupt_fraction();
  return absl::OkStatus();
}

absl::Status ResolveCheckpoints(const v1::CheckpointPolicy& ckpt,
                                PretrainSettings& s) {
  if (ckpt.has_every_epochs()) s.checkpoint_every_epochs = ckpt.every_epochs();
  SIMCLR_RETURN_IF_ERROR(CheckInt(At("checkpoints.every_epochs"),
                                  s.checkpoint_every_epochs, 1, 100000));
  s.checkpoint_every_steps = ckpt.every_steps();
  SIMCLR_RETURN_IF_ERROR(CheckInt(At("checkpoints.every_steps"),
                                  s.checkpoint_every_steps, 0, INT64_MAX));
  if (ckpt.has_keep_latest()) s.keep_latest = ckpt.keep_latest();
  SIMCLR_RETURN_IF_ERROR(
      CheckInt(At("checkpoints.keep_latest"), s.keep_latest, 1, 1000));
  if (ckpt.has_keep_best()) s.keep_best = ckpt.keep_best();
  if (s.early_stopping && s.restore_best && !s.keep_best) {
    return FieldError(At("early_stopping.restore_best"),
                      "needs checkpoints.keep_best, or the best checkpoint may "
                      "be deleted before it is restored");
  }
  return absl::OkStatus();
}

absl::Status ResolveMonitor(const v1::PretrainMonitorConfig& monitor,
                            PretrainSettings& s) {
  if (monitor.has_log_every_steps()) s.log_every_steps = monitor.log_every_steps();
  SIMCLR_RETURN_IF_ERROR(
      CheckInt(At("monitor.log_every_steps"), s.log_every_steps, 1, 1000000));
  if (monitor.has_knn_every_epochs()) {
    s.knn_every_epochs = monitor.knn_every_epochs();
  }
  SIMCLR_RETURN_IF_ERROR(
      CheckInt(At("monitor.knn_every_epochs"), s.knn_every_epochs, 0, 100000));
  if (monitor.has_knn_k()) s.knn_k = monitor.knn_k();
  SIMCLR_RETURN_IF_ERROR(CheckInt(At("monitor.knn_k"), s.knn_k, 1, 10000));
  if (monitor.has_knn_bank_size()) s.knn_bank_size = monitor.knn_bank_size();
  return CheckInt(At("monitor.knn_bank_size"), s.knn_bank_size, 10, 1000000);
}

}  // namespace

absl::StatusOr<PretrainSettings> ResolvePretrainSettings(
    const v1::PretrainConfig& config, int num_ranks) {
  SIMCLR_RETURN_IF_ERROR(ValidateEncoderConfig(config.encoder(), At("encoder")));
  SIMCLR_RETURN_IF_ERROR(ValidateInputSpec(config.input(), At("input")));
  SIMCLR_RETURN_IF_ERROR(
      ValidateProjectionHead(config.projection_head(), At("projection_head")));
  PretrainSettings s;
  SIMCLR_RETURN_IF_ERROR(ResolveData(config.data(), s));
  SIMCLR_ASSIGN_OR_RETURN(
      s.augment, ResolveAugmentParams(config.augmentation(), At("augmentation")));
  if (config.has_temperature()) s.temperature = config.temperature();
  SIMCLR_RETURN_IF_ERROR(
      CheckInterval(At("temperature"), s.temperature, {0, 10, true}));
  SIMCLR_RETURN_IF_ERROR(
      CheckEnum(At("loss"), config.loss(), v1::ContrastiveLoss_IsValid));
  s.decoupled_loss = config.loss() == v1::CONTRASTIVE_LOSS_DECOUPLED;
  SIMCLR_ASSIGN_OR_RETURN(s.multi_crop, ResolveMultiCrop(config.multi_crop(), At("multi_crop"),
                                                         config.input().size()));
  // Two ranks with small crops did not train as one rank of twice the
  // batch (their losses parted by 7e-4): refused until that is found.
  if (s.multi_crop.count > 0 && num_ranks > 1) {
    return FieldError(At("multi_crop.count"), "not with num_ranks > 1");
  }
  const int batch_size = config.has_batch_size() ? config.batch_size() : 256;
  SIMCLR_RETURN_IF_ERROR(CheckInt(At("batch_size"), batch_size, 2, 65536));
  const int64_t global_batch = int64_t{batch_size} * std::max(num_ranks, 1);
  if (global_batch > 65536) {
    return FieldError(At("batch_size"),
                      absl::StrCat(batch_size, " on each of ", num_ranks, " ranks is ",
                                   global_batch, " images per step; at most 65536"));
  }

  TrainConfig train;
  train.optimizer = &config.optimizer();
  train.schedule = &config.schedule();
  train.rounds = &config.unfreeze_rounds();
  train.early_stopping = &config.early_stopping();
  train.batch_size = batch_size;
  train.global_batch_size = static_cast<int>(global_batch);
  // With a time budget, epochs only cap the run.
  train.epochs = config.has_epochs() ? config.epochs()
                 : config.has_budget_minutes() ? 100000
                                                : 100;
  // Checked even when rounds make it unused: a wrong value is still wrong.
  SIMCLR_RETURN_IF_ERROR(CheckInt(At("epochs"), train.epochs, 1, 100000));
  SIMCLR_ASSIGN_OR_RETURN(static_cast<TrainSettings&>(s),
                          ResolveTrainSettings(train, kField));

  SIMCLR_RETURN_IF_ERROR(ResolveCheckpoints(config.checkpoints(), s));
  SIMCLR_RETURN_IF_ERROR(ResolveMonitor(config.monitor(), s));
  s.mixed_precision = config.mixed_precision();
  if (config.has_budget_minutes()) {
    SIMCLR_RETURN_IF_ERROR(
        CheckInterval(At("budget_minutes"), config.budget_minutes(), {0, 10080, true, false}));
    if (config.unfreeze_rounds_size() > 0) {
      return FieldError(At("budget_minutes"),
                        "not with unfreeze_rounds (their epochs cannot be laid on a clock)");
    }
    s.budget_seconds = 60 * config.budget_minutes();
  }
  return s;
}

}  // namespace simclr::core
