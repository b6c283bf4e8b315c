#include "core/train/pretrain_settings.h"

#include <cmath>

#include "absl/strings/str_cat.h"
#include "core/common/status_macros.h"

namespace simclr::core {
namespace {

// Checks low ≤ value ≤ high (or low < value with open_low).
absl::Status Range(const char* field, double value, double low, double high,
                   bool open_low = false) {
  const bool ok = (open_low ? value > low : value >= low) && value <= high;
  if (ok) return absl::OkStatus();
  return absl::InvalidArgumentError(
      absl::StrCat("pretrain.", field, ": ", value, " is outside ",
                   open_low ? "(" : "[", low, ", ", high, "]"));
}

double ScaledLearningRate(double lr, v1::LearningRateScaling scaling,
                          int batch_size) {
  switch (scaling) {
    case v1::LEARNING_RATE_SCALING_LINEAR:
      return lr * batch_size / 256.0;
    case v1::LEARNING_RATE_SCALING_SQRT:
      return lr * std::sqrt(static_cast<double>(batch_size));
    default:
      return lr;
  }
}

}  // namespace

int PretrainSettings::total_epochs() const {
  int total = 0;
  for (const auto& round : rounds) total += round.epochs;
  return total;
}

absl::StatusOr<PretrainSettings> ResolvePretrainSettings(
    const v1::PretrainConfig& config) {
  PretrainSettings s;
  const auto& data = config.data();
  if (data.has_val_fraction()) s.val_fraction = data.val_fraction();
  SIMCLR_RETURN_IF_ERROR(Range("data.val_fraction", s.val_fraction, 0, 0.5));
  s.max_examples = data.max_examples();
  SIMCLR_RETURN_IF_ERROR(Range("data.max_examples", s.max_examples, 0, 1e12));
  s.split_seed = data.split_seed();
  s.loader_threads = data.loader_threads();
  SIMCLR_RETURN_IF_ERROR(Range("data.loader_threads", s.loader_threads, 0, 64));
  if (data.has_prefetch_batches()) s.prefetch_batches = data.prefetch_batches();
  SIMCLR_RETURN_IF_ERROR(
      Range("data.prefetch_batches", s.prefetch_batches, 1, 64));
  s.drop_last = data.drop_last();
  s.max_corrupt_fraction = data.max_corrupt_fraction();
  SIMCLR_RETURN_IF_ERROR(
      Range("data.max_corrupt_fraction", s.max_corrupt_fraction, 0, 0.5));

  if (config.has_temperature()) s.temperature = config.temperature();
  SIMCLR_RETURN_IF_ERROR(Range("temperature", s.temperature, 0, 10, true));
  if (config.has_batch_size()) s.batch_size = config.batch_size();
  SIMCLR_RETURN_IF_ERROR(Range("batch_size", s.batch_size, 2, 65536));

  const auto& opt = config.optimizer();
  auto& o = s.optimizer;
  o.kind = opt.kind() == v1::OPTIMIZER_KIND_UNSPECIFIED
               ? v1::OPTIMIZER_KIND_ADAM
               : opt.kind();
  const bool adam = o.kind == v1::OPTIMIZER_KIND_ADAM;
  const double base_lr =
      opt.has_learning_rate() ? opt.learning_rate() : (adam ? 1e-3 : 0.3);
  SIMCLR_RETURN_IF_ERROR(
      Range("optimizer.learning_rate", base_lr, 0, 10, true));
  o.weight_decay =
      opt.has_weight_decay() ? opt.weight_decay() : (adam ? 0 : 1e-6);
  SIMCLR_RETURN_IF_ERROR(Range("optimizer.weight_decay", o.weight_decay, 0, 1));
  if (opt.has_momentum()) o.momentum = opt.momentum();
  SIMCLR_RETURN_IF_ERROR(Range("optimizer.momentum", o.momentum, 0, 0.999999));
  if (opt.has_beta1()) o.beta1 = opt.beta1();
  if (opt.has_beta2()) o.beta2 = opt.beta2();
  if (opt.has_eps()) o.eps = opt.eps();
  SIMCLR_RETURN_IF_ERROR(Range("optimizer.beta1", o.beta1, 0, 0.999999));
  SIMCLR_RETURN_IF_ERROR(Range("optimizer.beta2", o.beta2, 0, 0.999999));
  SIMCLR_RETURN_IF_ERROR(Range("optimizer.eps", o.eps, 0, 1, true));
  o.amsgrad = opt.amsgrad();
  if (opt.has_lars_trust_coefficient()) {
    o.trust_coefficient = opt.lars_trust_coefficient();
  }
  SIMCLR_RETURN_IF_ERROR(Range("optimizer.lars_trust_coefficient",
                               o.trust_coefficient, 0, 1, true));

  if (config.unfreeze_rounds_size() > 32) {
    return absl::InvalidArgumentError(
        "pretrain.unfreeze_rounds: at most 32 rounds");
  }
  for (int i = 0; i < config.unfreeze_rounds_size(); ++i) {
    const auto& r = config.unfreeze_rounds(i);
    const std::string field = absl::StrCat("unfreeze_rounds[", i, "]");
    RoundSettings round;
    round.unfrozen_layers = r.unfrozen_layers();
    SIMCLR_RETURN_IF_ERROR(Range((field + ".unfrozen_layers").c_str(),
                                 round.unfrozen_layers, -1, 10000));
    const double lr = r.has_learning_rate() ? r.learning_rate() : base_lr;
    SIMCLR_RETURN_IF_ERROR(
        Range((field + ".learning_rate").c_str(), lr, 0, 10, true));
    round.learning_rate = ScaledLearningRate(lr, opt.scaling(), s.batch_size);
    round.epochs = r.epochs();
    SIMCLR_RETURN_IF_ERROR(
        Range((field + ".epochs").c_str(), round.epochs, 1, 100000));
    s.rounds.push_back(round);
  }
  if (s.rounds.empty()) {
    RoundSettings round;
    round.learning_rate =
        ScaledLearningRate(base_lr, opt.scaling(), s.batch_size);
    round.epochs = config.has_epochs() ? config.epochs() : 100;
    SIMCLR_RETURN_IF_ERROR(Range("epochs", round.epochs, 1, 100000));
    s.rounds.push_back(round);
  }

  const auto& schedule = config.schedule();
  if (schedule.has_warmup_cosine()) {
    s.schedule = ScheduleKind::kWarmupCosine;
    const auto& w = schedule.warmup_cosine();
    if (w.has_warmup_epochs()) s.warmup_epochs = w.warmup_epochs();
    SIMCLR_RETURN_IF_ERROR(Range("schedule.warmup_cosine.warmup_epochs",
                                 s.warmup_epochs, 0, s.total_epochs()));
    s.final_lr_ratio = w.final_lr_ratio();
    SIMCLR_RETURN_IF_ERROR(
        Range("schedule.warmup_cosine.final_lr_ratio", s.final_lr_ratio, 0, 1));
  } else if (schedule.has_reduce_on_plateau()) {
    s.schedule = ScheduleKind::kReduceOnPlateau;
    const auto& p = schedule.reduce_on_plateau();
    if (p.has_factor()) s.plateau_factor = p.factor();
    if (p.has_patience()) s.plateau_patience = p.patience();
    if (p.has_min_delta()) s.plateau_min_delta = p.min_delta();
    s.plateau_min_lr = p.min_lr();
    SIMCLR_RETURN_IF_ERROR(Range("schedule.reduce_on_plateau.factor",
                                 s.plateau_factor, 0, 0.999999, true));
    SIMCLR_RETURN_IF_ERROR(Range("schedule.reduce_on_plateau.patience",
                                 s.plateau_patience, 1, 1000));
    SIMCLR_RETURN_IF_ERROR(Range("schedule.reduce_on_plateau.min_delta",
                                 s.plateau_min_delta, 0, 1e9));
    SIMCLR_RETURN_IF_ERROR(
        Range("schedule.reduce_on_plateau.min_lr", s.plateau_min_lr, 0, 10));
  }

  const auto& stop = config.early_stopping();
  s.early_stopping = stop.enabled();
  if (stop.has_patience()) s.early_stopping_patience = stop.patience();
  SIMCLR_RETURN_IF_ERROR(
      Range("early_stopping.patience", s.early_stopping_patience, 1, 10000));
  s.early_stopping_min_delta = stop.min_delta();
  SIMCLR_RETURN_IF_ERROR(
      Range("early_stopping.min_delta", s.early_stopping_min_delta, 0, 1e9));
  if (stop.has_restore_best()) s.restore_best = stop.restore_best();

  const auto& ckpt = config.checkpoints();
  if (ckpt.has_every_epochs()) s.checkpoint_every_epochs = ckpt.every_epochs();
  SIMCLR_RETURN_IF_ERROR(
      Range("checkpoints.every_epochs", s.checkpoint_every_epochs, 1, 100000));
  s.checkpoint_every_steps = ckpt.every_steps();
  SIMCLR_RETURN_IF_ERROR(
      Range("checkpoints.every_steps", s.checkpoint_every_steps, 0, 1e12));
  if (ckpt.has_keep_latest()) s.keep_latest = ckpt.keep_latest();
  SIMCLR_RETURN_IF_ERROR(
      Range("checkpoints.keep_latest", s.keep_latest, 1, 1000));
  if (ckpt.has_keep_best()) s.keep_best = ckpt.keep_best();
  if (s.early_stopping && s.restore_best && !s.keep_best) {
    return absl::InvalidArgumentError(
        "early_stopping.restore_best: needs checkpoints.keep_best, or the "
        "best checkpoint may be deleted before it is restored");
  }

  const auto& monitor = config.monitor();
  if (monitor.has_log_every_steps())
    s.log_every_steps = monitor.log_every_steps();
  SIMCLR_RETURN_IF_ERROR(
      Range("monitor.log_every_steps", s.log_every_steps, 1, 1000000));
  if (monitor.has_knn_every_epochs())
    s.knn_every_epochs = monitor.knn_every_epochs();
  SIMCLR_RETURN_IF_ERROR(
      Range("monitor.knn_every_epochs", s.knn_every_epochs, 0, 100000));
  if (monitor.has_knn_k()) s.knn_k = monitor.knn_k();
  SIMCLR_RETURN_IF_ERROR(Range("monitor.knn_k", s.knn_k, 1, 10000));
  if (monitor.has_knn_bank_size()) s.knn_bank_size = monitor.knn_bank_size();
  SIMCLR_RETURN_IF_ERROR(
      Range("monitor.knn_bank_size", s.knn_bank_size, 10, 1000000));

  s.mixed_precision = config.mixed_precision();
  return s;
}

}  // namespace simclr::core
