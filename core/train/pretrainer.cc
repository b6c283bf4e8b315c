#include "core/train/pretrainer.h"

#include <cmath>
#include <filesystem>
#include <optional>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "core/common/layout.h"
#include "core/common/status_macros.h"
#include "core/distributed/gradient_sync.h"
#include "core/distributed/rank_group.h"
#include "core/models/sync_twin.h"
#include "core/runtime/torch_status.h"
#include "core/train/budget_clock.h"
#include "core/train/lr_schedule.h"
#include "core/train/mixed_precision.h"
#include "core/train/optimizer_factory.h"
#include "core/train/pretrain_setup.h"
#include "core/train/pretrain_steps.h"
#include "core/train/progress_window.h"
#include "core/train/training_curves.h"
#include "torch/torch.h"

namespace simclr::core {
namespace {

namespace layout = core::layout;

// The unfreezing round an epoch belongs to, and its learning-rate schedule.
struct EpochPlan {
  int round = 0;
  int64_t round_first_step = 0;
  const RoundSettings* settings = nullptr;
  WarmupCosine cosine{0, 0, 1, 0};
};

// Training loss of the epoch so far.
struct EpochTally {
  double loss = 0;
  int64_t steps = 0;
  double mean() const { return loss / static_cast<double>(std::max<int64_t>(steps, 1)); }
};

class Pretrainer {
 public:
  Pretrainer(const v1::JobSpec& spec, const JobRun& run, EventSink& events)
      : spec_(spec), run_(run), events_(events) {}

  absl::Status Run();

 private:
  absl::Status Start();
  EpochPlan PlanEpoch(int64_t epoch);
  // OK and `done` set when early stopping ended the run.
  absl::Status RunEpoch(int64_t epoch, bool& done);
  absl::Status TrainStep(const TwoViewBatch& batch, const EpochPlan& plan, int64_t epoch,
                         EpochTally& tally, ProgressWindow& window);
  double LearningRate(const EpochPlan& plan) const;
  // A step checkpoint, or a stop request in the middle of an epoch.
  absl::Status MidEpochCheckpoint(int64_t epoch, const EpochTally& tally);
  absl::Status EndEpoch(int64_t epoch, const EpochTally& tally, bool& done);
  // Several ranks: the chief's validation and kNN figures on every rank
  // (so that schedules and early stopping agree), and any stop request.
  absl::Status ShareChiefMetrics(CheckpointMetrics& metrics);
  absl::Status Finish();
  bool LocalStopRequest() const { return run_.stop != nullptr && run_.stop->load(); }
  // With several ranks, a stop request counts once any rank has one, as
  // summed with each step's gradients, so that all stop at the same step.
  bool StopRequested() const { return run_.ranks == nullptr ? LocalStopRequest() : stop_agreed_; }
  bool chief() const { return IsChief(run_.ranks); }
  void SnapshotSchedules();

  const v1::JobSpec& spec_;
  const JobRun& run_;
  EventSink& events_;
  PretrainJob job_;
  TrainingProgress progress_;
  std::optional<ReduceOnPlateau> plateau_;
  std::optional<EarlyStopping> stopping_;
  std::optional<DynamicLossScaler> scaler_;
  std::optional<TrainingCurves> curves_;
  std::optional<int64_t> best_step_;
  int64_t batches_ = 0;
  int64_t total_steps_ = 0;
  bool stop_agreed_ = false;
  BudgetClock budget_;
};

// A resumed run keeps protecting the best checkpoint it already has.
std::optional<int64_t> BestStepOf(const std::string& run_folder) {
  std::error_code error;
  const auto target = std::filesystem::read_symlink(
      layout::CheckpointLink(run_folder, layout::kBestLink), error);
  int64_t step = 0;
  if (error || !absl::SimpleAtoi(target.string(), &step)) return std::nullopt;
  return step;
}

absl::Status Pretrainer::Start() {
  SIMCLR_RETURN_IF_ERROR(CreateJobDir(run_.job_dir));
  SIMCLR_RETURN_IF_ERROR(PreparePretrainJob(spec_, run_, job_, progress_, events_));
  const PretrainSettings& s = job_.settings;
  batches_ = job_.loader->batches_per_epoch();
  total_steps_ = batches_ * s.total_epochs();
  plateau_.emplace(progress_.plateau.lr, s.plateau_factor, s.plateau_patience,
                   s.plateau_min_delta, s.plateau_min_lr);
  plateau_->Restore(progress_.plateau);
  stopping_.emplace(s.early_stopping_patience, s.early_stopping_min_delta);
  stopping_->Restore(progress_.stopping);
  scaler_.emplace(s.mixed_precision && run_.device.is_cuda());
  scaler_->Restore(progress_.loss_scaler);
  if (s.mixed_precision && !run_.device.is_cuda()) {
    EmitLog(events_,
            absl::StrCat("mixed_precision is CUDA-only; training in float32 on ",
                         run_.device.str()),
            v1::LogLine::SEVERITY_WARNING);
  }
  best_step_ = BestStepOf(run_.job_dir);
  if (chief()) {
    curves_.emplace(run_.job_dir,
                    spec_.display_name().empty()
                        ? "SimCLR pretraining"
                        : absl::StrCat("SimCLR pretraining: ", spec_.display_name()),
                    run_.resume, progress_.step);
  }
  const int world = WorldSize(run_.ranks);
  EmitLog(events_, absl::StrCat("pretraining ", job_.split.train.size(), " images (",
                                job_.split.val.size(), " for validation), ", batches_,
                                " batches per epoch, ", s.total_epochs(), " epochs on ",
                                run_.device.str(),
                                world > 1 ? absl::StrCat(" × ", world, " ranks (",
                                                         run_.ranks->backend(), "), ",
                                                         s.batch_size * world,
                                                         " images per global batch")
                                          : ""));
  return absl::OkStatus();
}

EpochPlan Pretrainer::PlanEpoch(int64_t epoch) {
  const PretrainSettings& s = job_.settings;
  EpochPlan plan;
  int64_t first_epoch = 0;
  plan.round = static_cast<int>(s.rounds.size()) - 1;
  for (int i = 0; i < static_cast<int>(s.rounds.size()); ++i) {
    if (epoch < first_epoch + s.rounds[i].epochs) {
      plan.round = i;
      break;
    }
    first_epoch += s.rounds[i].epochs;
  }
  const RoundSettings& r = s.rounds[plan.round];
  plan.settings = &r;
  plan.round_first_step = first_epoch * batches_;
  plan.cosine = WarmupCosine(r.learning_rate,
                             plan.round == 0 ? std::llround(s.warmup_epochs * batches_) : 0,
                             static_cast<int64_t>(r.epochs) * batches_, s.final_lr_ratio);
  if (s.schedule == ScheduleKind::kConstant) progress_.lr = r.learning_rate;
  // A new round restarts the plateau schedule at the round's rate.
  if (s.schedule == ScheduleKind::kReduceOnPlateau && epoch == first_epoch &&
      progress_.next_batch == 0 && plan.round > 0) {
    plateau_->Restore({r.learning_rate, plateau_->state().best, 0});
  }
  return plan;
}

double Pretrainer::LearningRate(const EpochPlan& plan) const {
  switch (job_.settings.schedule) {
    case ScheduleKind::kWarmupCosine:
      if (budget_.budgeted()) {
        return BudgetLearningRate(plan.settings->learning_rate, progress_.step,
                                  std::llround(job_.settings.warmup_epochs * batches_),
                                  budget_.fraction(), job_.settings.final_lr_ratio);
      }
      return plan.cosine.LearningRate(progress_.step - plan.round_first_step);
    case ScheduleKind::kReduceOnPlateau:
      return plateau_->lr();
    case ScheduleKind::kConstant:
      break;
  }
  return progress_.lr;
}

absl::Status Pretrainer::TrainStep(const TwoViewBatch& batch, const EpochPlan& plan,
                                   int64_t epoch, EpochTally& tally,
                                   ProgressWindow& window) {
  const double lr = LearningRate(plan);
  SetLearningRate(*job_.optimizer, lr);
  job_.optimizer->zero_grad();
  SIMCLR_ASSIGN_OR_RETURN(NtXentResult result, PretrainForward(job_, job_.train_module, batch,
                                                               run_.device, run_.ranks));
  // The step's loss, positive top-1 and stop requests, over all ranks.
  std::vector<double> step_sums{result.loss.item<double>(), result.positive_top1,
                                LocalStopRequest() ? 1.0 : 0.0,
                                chief() ? budget_.LocalElapsed() : 0.0};
  SIMCLR_RETURN_IF_ERROR(CallTorch("backward", [&] {
    scaler_->Scale(result.loss).backward();
    if (run_.ranks != nullptr) AverageGradients(job_.parameters, *run_.ranks, step_sums);
  }));
  const double world = WorldSize(run_.ranks);
  const double loss = step_sums[0] / world;
  stop_agreed_ = step_sums[2] > 0;
  budget_.Agree(step_sums[3]);
  progress_.elapsed_seconds = budget_.elapsed();
  if (!std::isfinite(loss)) {
    return absl::FailedPreconditionError(
        absl::StrCat("training diverged: the loss is ", loss, " at step ", progress_.step,
                     " (epoch ", epoch, "); lower the learning rate"));
  }
  SIMCLR_RETURN_IF_ERROR(CallTorch("optimizer step", [&] {
    // A float16 overflow skips the step; the scaler lowers the scale.
    if (scaler_->UnscaleAndUpdate(job_.parameters)) job_.optimizer->step();
  }));
  progress_.loss_scaler = scaler_->state();
  ++progress_.step;
  progress_.next_batch = batch.batch + 1;
  tally.loss += loss;
  ++tally.steps;
  window.Add(loss, step_sums[1] / world, 2 * batch.view1.size(0) * WorldSize(run_.ranks),
             run_.ranks == nullptr ? 0 : run_.ranks->TakeCommunicationSeconds());
  const bool last_of_epoch = progress_.next_batch == batches_;
  if (window.steps() == job_.settings.log_every_steps || last_of_epoch) {
    v1::JobEvent event = window.Flush({epoch, plan.round, progress_.step, total_steps_, lr});
    if (budget_.budgeted()) budget_.Describe(progress_.step, *event.mutable_progress());
    if (curves_) curves_->Add(event.progress());
    events_.Emit(std::move(event));
  }
  return absl::OkStatus();
}

void Pretrainer::SnapshotSchedules() {
  progress_.plateau = plateau_->state();
  progress_.stopping = stopping_->state();
}

absl::Status Pretrainer::MidEpochCheckpoint(int64_t epoch, const EpochTally& tally) {
  const int64_t every = job_.settings.checkpoint_every_steps;
  const bool stop = StopRequested();
  if (progress_.next_batch == batches_ || !(stop || (every > 0 && progress_.step % every == 0))) {
    return absl::OkStatus();
  }
  progress_.epoch = epoch;
  SnapshotSchedules();
  if (chief()) {
    SIMCLR_RETURN_IF_ERROR(SavePretrainCheckpoint(job_, run_, progress_, {tally.mean()},
                                                  best_step_, events_));
    // A resume continues from here, with the curves so far.
    SIMCLR_RETURN_IF_ERROR(curves_->Write(events_));
  }
  if (!stop) return absl::OkStatus();
  return absl::AbortedError(absl::StrCat("stopped on request after step ", progress_.step,
                                         "; resume continues from its checkpoint"));
}

absl::Status Pretrainer::RunEpoch(int64_t epoch, bool& done) {
  const EpochPlan plan = PlanEpoch(epoch);
  job_.encoder.module.train();
  job_.head->train();
  SIMCLR_RETURN_IF_ERROR(SetTrainableLayers(job_.encoder, plan.settings->unfrozen_layers));
  if (job_.train_module._ivalue() != job_.encoder.module._ivalue()) {
    MirrorTrainingModes(job_.encoder.module, job_.train_module);
  }
  job_.loader->StartEpoch(epoch, progress_.next_batch);
  EpochTally tally;
  ProgressWindow window(*job_.loader);
  while (auto batch = job_.loader->Next()) {
    // No negatives in a batch of 1.
    if (batch->view1.size(0) * WorldSize(run_.ranks) < 2) continue;
    SIMCLR_RETURN_IF_ERROR(TrainStep(*batch, plan, epoch, tally, window));
    SIMCLR_RETURN_IF_ERROR(MidEpochCheckpoint(epoch, tally));
    if (budget_.spent()) break;  // the epoch ends here, validated and saved
  }
  return EndEpoch(epoch, tally, done);
}

absl::Status Pretrainer::ShareChiefMetrics(CheckpointMetrics& metrics) {
  if (run_.ranks == nullptr) return absl::OkStatus();
  const bool is_chief = chief();
  std::vector<double> sums{is_chief && metrics.val_loss ? 1.0 : 0.0,
                           is_chief ? metrics.val_loss.value_or(0) : 0.0,
                           is_chief && metrics.knn_top1 ? 1.0 : 0.0,
                           is_chief ? metrics.knn_top1.value_or(0) : 0.0,
                           LocalStopRequest() ? 1.0 : 0.0};
  SIMCLR_RETURN_IF_ERROR(
      CallTorch("share validation", [&] { SumOverRanks(sums, *run_.ranks); }));
  metrics.val_loss = sums[0] > 0 ? std::optional<double>(sums[1]) : std::nullopt;
  metrics.knn_top1 = sums[2] > 0 ? std::optional<double>(sums[3]) : std::nullopt;
  stop_agreed_ = stop_agreed_ || sums[4] > 0;
  return absl::OkStatus();
}

// Validation, kNN, schedule, early stopping, the summary and a checkpoint.
absl::Status Pretrainer::EndEpoch(int64_t epoch, const EpochTally& tally, bool& done) {
  const PretrainSettings& s = job_.settings;
  CheckpointMetrics metrics{tally.mean(), ValidationLoss(job_, run_.device)};
  if (s.knn_every_epochs > 0 && (epoch + 1) % s.knn_every_epochs == 0) {
    metrics.knn_top1 = KnnAccuracy(job_, run_.device);
  }
  SIMCLR_RETURN_IF_ERROR(ShareChiefMetrics(metrics));
  const double monitored = metrics.val_loss.value_or(metrics.train_loss);
  done = (stopping_->Observe(static_cast<int>(epoch), monitored) && s.early_stopping) ||
         budget_.spent();
  if (s.schedule == ScheduleKind::kReduceOnPlateau) plateau_->Observe(monitored);
  metrics.is_best = stopping_->last_was_best();

  v1::JobEvent summary;
  auto* e = summary.mutable_epoch_summary();
  e->set_epoch(static_cast<int32_t>(epoch));
  e->set_train_loss(metrics.train_loss);
  if (metrics.val_loss) e->set_val_loss(*metrics.val_loss);
  if (metrics.knn_top1) e->set_knn_top1(*metrics.knn_top1);
  e->set_corrupt_images_skipped(job_.dataset.corrupt_skipped);
  e->set_step(progress_.step);
  if (curves_) curves_->Add(*e);
  events_.Emit(std::move(summary));
  if (curves_) SIMCLR_RETURN_IF_ERROR(curves_->Write(events_));

  progress_.epoch = epoch + 1;
  progress_.next_batch = 0;
  SnapshotSchedules();
  const bool last_epoch = epoch + 1 == s.total_epochs();
  const bool stop = StopRequested();
  if (chief() &&
      ((epoch + 1) % s.checkpoint_every_epochs == 0 || last_epoch || done || stop)) {
    SIMCLR_RETURN_IF_ERROR(
        SavePretrainCheckpoint(job_, run_, progress_, metrics, best_step_, events_));
  }
  if (budget_.spent()) {
    EmitLog(events_, absl::StrCat("the budget of ", s.budget_seconds / 60, " min is spent after ",
                                  progress_.step, " steps, in epoch ", epoch));
  } else if (done) {
    EmitLog(events_, absl::StrCat("early stopping after epoch ", epoch, "; best epoch ",
                                  stopping_->state().best_epoch));
  } else if (stop && !last_epoch) {
    return absl::AbortedError(absl::StrCat("stopped on request after epoch ", epoch,
                                           "; resume continues from its checkpoint"));
  }
  return absl::OkStatus();
}

absl::Status Pretrainer::Finish() {
  const PretrainSettings& s = job_.settings;
  int64_t final_step = progress_.step;
  if (s.early_stopping && s.restore_best && best_step_) final_step = *best_step_;
  if (!chief()) return absl::OkStatus();
  SIMCLR_RETURN_IF_ERROR(MarkFinalCheckpoint(run_.job_dir, final_step));
  EmitLog(events_, absl::StrCat("pretraining finished after ", progress_.step,
                                " steps; result: checkpoint ", final_step,
                                final_step == progress_.step ? " (the last)"
                                                             : " (the best, restored)"));
  return absl::OkStatus();
}

absl::Status Pretrainer::Run() {
  SIMCLR_RETURN_IF_ERROR(Start());
  budget_.Start(job_.settings.budget_seconds, progress_.elapsed_seconds, progress_.step);
  bool done = budget_.spent();
  for (int64_t epoch = progress_.epoch; epoch < job_.settings.total_epochs() && !done;
       ++epoch) {
    SIMCLR_RETURN_IF_ERROR(RunEpoch(epoch, done));
  }
  return Finish();
}

}  // namespace

absl::Status RunPretraining(const v1::JobSpec& spec, const JobRun& run,
                            EventSink& events) {
  if (!spec.has_pretrain()) return absl::InvalidArgumentError("spec: not a pretrain job");
  return Pretrainer(spec, run, events).Run();
}

}  // namespace simclr::core
