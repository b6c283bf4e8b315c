#include "core/spec/train_settings.h"

#include <cmath>

#include "core/common/status_macros.h"
#include "core/spec/checks.h"

namespace simclr::core {
namespace {

// [0, 1): what the protos call "range [0, 1)" for momenta and betas.
constexpr Interval kDecay{0, 1, false, true};
constexpr Interval kLearningRate{0, 10, true};

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

// The optimiser's settings and its base learning rate (before scaling).
absl::StatusOr<std::pair<OptimizerSettings, double>> ResolveOptimizer(
    const v1::OptimizerConfig& opt, const TrainConfig& config,
    const std::string& field) {
  SIMCLR_RETURN_IF_ERROR(
      CheckEnum(Sub(field, "kind"), opt.kind(), v1::OptimizerKind_IsValid));
  SIMCLR_RETURN_IF_ERROR(CheckEnum(Sub(field, "scaling"), opt.scaling(),
                                   v1::LearningRateScaling_IsValid));
  OptimizerSettings o;
  if (opt.kind() != v1::OPTIMIZER_KIND_UNSPECIFIED) o.kind = opt.kind();
  const bool adam = o.kind == v1::OPTIMIZER_KIND_ADAM;
  const double base_lr =
      opt.has_learning_rate()
          ? opt.learning_rate()
          : (adam ? config.default_adam_lr : config.default_sgd_lr);
  SIMCLR_RETURN_IF_ERROR(
      CheckInterval(Sub(field, "learning_rate"), base_lr, kLearningRate));
  o.weight_decay =
      opt.has_weight_decay() ? opt.weight_decay() : (adam ? 0 : 1e-6);
  SIMCLR_RETURN_IF_ERROR(
      CheckInterval(Sub(field, "weight_decay"), o.weight_decay, {0, 1}));
  if (opt.has_momentum()) o.momentum = opt.momentum();
  SIMCLR_RETURN_IF_ERROR(CheckInterval(Sub(field, "momentum"), o.momentum, kDecay));
  if (opt.has_beta1()) o.beta1 = opt.beta1();
  if (opt.has_beta2()) o.beta2 = opt.beta2();
  if (opt.has_eps()) o.eps = opt.eps();
  SIMCLR_RETURN_IF_ERROR(CheckInterval(Sub(field, "beta1"), o.beta1, kDecay));
  SIMCLR_RETURN_IF_ERROR(CheckInterval(Sub(field, "beta2"), o.beta2, kDecay));
  SIMCLR_RETURN_IF_ERROR(CheckInterval(Sub(field, "eps"), o.eps, {0, 1, true}));
  o.amsgrad = opt.amsgrad();
  if (opt.has_lars_trust_coefficient()) {
    o.trust_coefficient = opt.lars_trust_coefficient();
  }
  SIMCLR_RETURN_IF_ERROR(CheckInterval(Sub(field, "lars_trust_coefficient"),
                                       o.trust_coefficient, {0, 1, true}));
  return std::make_pair(o, base_lr);
}

absl::Status ResolveRounds(const TrainConfig& config, double base_lr,
                           const std::string& field, TrainSettings& s) {
  const auto& rounds = *config.rounds;
  const std::string list = Sub(field, "unfreeze_rounds");
  SIMCLR_RETURN_IF_ERROR(CheckCount(list, rounds.size(), 0, 32));
  const auto scaling = config.optimizer->scaling();
  const int scaled_batch =
      config.global_batch_size > 0 ? config.global_batch_size : s.batch_size;
  for (int i = 0; i < rounds.size(); ++i) {
    const v1::UnfreezeRound& r = rounds[i];
    const std::string at = Item(list, i);
    RoundSettings round;
    round.unfrozen_layers = r.unfrozen_layers();
    SIMCLR_RETURN_IF_ERROR(CheckInt(Sub(at, "unfrozen_layers"),
                                    round.unfrozen_layers, -1, 10000));
    const double lr = r.has_learning_rate() ? r.learning_rate() : base_lr;
    SIMCLR_RETURN_IF_ERROR(
        CheckInterval(Sub(at, "learning_rate"), lr, kLearningRate));
    round.learning_rate = ScaledLearningRate(lr, scaling, scaled_batch);
    round.epochs = r.epochs();
    SIMCLR_RETURN_IF_ERROR(CheckInt(Sub(at, "epochs"), round.epochs, 1, 100000));
    s.rounds.push_back(round);
  }
  if (!s.rounds.empty()) return absl::OkStatus();
  RoundSettings round;
  round.learning_rate = ScaledLearningRate(base_lr, scaling, scaled_batch);
  round.epochs = config.epochs;
  SIMCLR_RETURN_IF_ERROR(CheckInt(Sub(field, "epochs"), round.epochs, 1, 100000));
  s.rounds.push_back(round);
  return absl::OkStatus();
}

absl::Status ResolveSchedule(const v1::ScheduleConfig& schedule,
                             const std::string& field, TrainSettings& s) {
  if (schedule.has_warmup_cosine()) {
    const std::string at = Sub(field, "warmup_cosine");
    s.schedule = ScheduleKind::kWarmupCosine;
    const auto& w = schedule.warmup_cosine();
    if (w.has_warmup_epochs()) s.warmup_epochs = w.warmup_epochs();
    SIMCLR_RETURN_IF_ERROR(CheckInterval(Sub(at, "warmup_epochs"), s.warmup_epochs,
                                         {0, double(s.total_epochs())}));
    s.final_lr_ratio = w.final_lr_ratio();
    return CheckInterval(Sub(at, "final_lr_ratio"), s.final_lr_ratio, {0, 1});
  }
  if (!schedule.has_reduce_on_plateau()) return absl::OkStatus();
  const std::string at = Sub(field, "reduce_on_plateau");
  s.schedule = ScheduleKind::kReduceOnPlateau;
  const auto& p = schedule.reduce_on_plateau();
  if (p.has_factor()) s.plateau_factor = p.factor();
  if (p.has_patience()) s.plateau_patience = p.patience();
  if (p.has_min_delta()) s.plateau_min_delta = p.min_delta();
  s.plateau_min_lr = p.min_lr();
  SIMCLR_RETURN_IF_ERROR(
      CheckInterval(Sub(at, "factor"), s.plateau_factor, {0, 1, true, true}));
  SIMCLR_RETURN_IF_ERROR(
      CheckInt(Sub(at, "patience"), s.plateau_patience, 1, 1000));
  SIMCLR_RETURN_IF_ERROR(
      CheckInterval(Sub(at, "min_delta"), s.plateau_min_delta, {0, 1e9}));
  return CheckInterval(Sub(at, "min_lr"), s.plateau_min_lr, {0, 10});
}

absl::Status ResolveEarlyStopping(const v1::EarlyStoppingConfig& stop,
                                  const std::string& field, TrainSettings& s) {
  s.early_stopping = stop.enabled();
  if (stop.has_patience()) s.early_stopping_patience = stop.patience();
  SIMCLR_RETURN_IF_ERROR(
      CheckInt(Sub(field, "patience"), s.early_stopping_patience, 1, 10000));
  s.early_stopping_min_delta = stop.min_delta();
  SIMCLR_RETURN_IF_ERROR(CheckInterval(Sub(field, "min_delta"),
                                       s.early_stopping_min_delta, {0, 1e9}));
  if (stop.has_restore_best()) s.restore_best = stop.restore_best();
  return absl::OkStatus();
}

}  // namespace

int TrainSettings::total_epochs() const {
  int total = 0;
  for (const auto& round : rounds) total += round.epochs;
  return total;
}

absl::StatusOr<TrainSettings> ResolveTrainSettings(const TrainConfig& config,
                                                   const std::string& field) {
  TrainSettings s;
  s.batch_size = config.batch_size;
  SIMCLR_ASSIGN_OR_RETURN(
      auto optimizer,
      ResolveOptimizer(*config.optimizer, config, Sub(field, "optimizer")));
  s.optimizer = optimizer.first;
  SIMCLR_RETURN_IF_ERROR(ResolveRounds(config, optimizer.second, field, s));
  SIMCLR_RETURN_IF_ERROR(
      ResolveSchedule(*config.schedule, Sub(field, "schedule"), s));
  SIMCLR_RETURN_IF_ERROR(ResolveEarlyStopping(
      config.early_stopping != nullptr ? *config.early_stopping
                                       : config.default_early_stopping,
      Sub(field, "early_stopping"), s));
  return s;
}

}  // namespace simclr::core
