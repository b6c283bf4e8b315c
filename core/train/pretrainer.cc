#include "core/train/pretrainer.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <optional>
#include <thread>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "core/spec/augment_params.h"
#include "core/augment/view_transform.h"
#include "core/common/layout.h"
#include "core/common/status_macros.h"
#include "core/data/data_source.h"
#include "core/data/splits.h"
#include "core/data/two_view_loader.h"
#include "core/eval/features.h"
#include "core/models/encoder.h"
#include "core/models/projection_head.h"
#include "core/runtime/memory_format.h"
#include "core/runtime/torch_status.h"
#include "core/train/checkpoint.h"
#include "core/train/lr_schedule.h"
#include "core/train/mixed_precision.h"
#include "core/train/nt_xent.h"
#include "core/train/optimizer_factory.h"
#include "core/spec/pretrain_settings.h"
#include "google/protobuf/util/time_util.h"
#include "torch/torch.h"

namespace simclr::core {
namespace {

namespace layout = core::layout;

using Clock = std::chrono::steady_clock;

// Validation views use one fixed augmentation "epoch", so the validation
// loss of different epochs compares like with like.
constexpr int64_t kValidationEpoch = int64_t{1} << 40;

struct RoundAt {
  int index = 0;
  int64_t first_epoch = 0;
};

RoundAt RoundOfEpoch(const PretrainSettings& s, int64_t epoch) {
  int64_t first = 0;
  for (int i = 0; i < static_cast<int>(s.rounds.size()); ++i) {
    if (epoch < first + s.rounds[i].epochs) return {i, first};
    first += s.rounds[i].epochs;
  }
  return {static_cast<int>(s.rounds.size()) - 1, first};
}

// Everything a run needs, built once.
struct Job {
  PretrainSettings settings;
  ImageDataset dataset;
  SplitIndices split;
  InputShape shape;
  AugmentParams augment;
  Encoder encoder;
  ProjectionHead head{nullptr};
  std::unique_ptr<torch::optim::Optimizer> optimizer;
  std::vector<torch::Tensor> parameters;  // encoder's, then the head's
  std::unique_ptr<TwoViewLoader> loader;
  std::unique_ptr<TwoViewLoader> val_loader;
  std::vector<int64_t> knn_bank;
};

absl::Status Prepare(const v1::JobSpec& spec, const JobRun& run, Job& job,
                     TrainingProgress& progress, EventSink& events) {
  const v1::PretrainConfig& config = spec.pretrain();
  SIMCLR_ASSIGN_OR_RETURN(job.settings, ResolvePretrainSettings(config));
  const PretrainSettings& s = job.settings;
  SIMCLR_ASSIGN_OR_RETURN(
      job.dataset, LoadDataSource(config.data().train(), s.max_corrupt_fraction,
                                  run.spec_dir, "pretrain.data.train"));
  // A deterministic slice first (tests, smoke runs), then the split.
  std::vector<int64_t> selected =
      ShuffledIndices(job.dataset.size(), s.split_seed);
  if (s.max_examples > 0 && s.max_examples < job.dataset.size()) {
    selected.resize(static_cast<size_t>(s.max_examples));
    std::sort(selected.begin(), selected.end());
    job.dataset = Subset(job.dataset, selected);
  }
  SIMCLR_ASSIGN_OR_RETURN(
      job.split, SplitTrainValTest(job.dataset.size(), job.dataset.labels,
                                   s.val_fraction, 0, s.split_seed));
  if (static_cast<int64_t>(job.split.train.size()) < 2) {
    return absl::InvalidArgumentError(absl::StrCat(
        "pretrain.data: ", job.split.train.size(),
        " training images after the validation split; need at least 2"));
  }
  SIMCLR_ASSIGN_OR_RETURN(job.shape,
                          ResolveInputShape(config.input(), job.dataset.height,
                                            job.dataset.channels));
  job.augment = s.augment;

  torch::manual_seed(spec.seed());
  SIMCLR_ASSIGN_OR_RETURN(job.encoder,
                          BuildEncoder(config.encoder(), job.shape));
  std::optional<std::string> checkpoint;
  if (run.resume) {
    auto latest = LatestCheckpoint(run.job_dir);
    if (latest.ok()) {
      checkpoint = *latest;
      SIMCLR_RETURN_IF_ERROR(LoadEncoderModule(*checkpoint, &job.encoder));
    }
  }
  SIMCLR_ASSIGN_OR_RETURN(
      job.head,
      BuildProjectionHead(config.projection_head(), job.encoder.feature_dim));
  SIMCLR_RETURN_IF_ERROR(CallTorch("move to device", [&] {
    job.encoder.module.to(run.device);
    ToMemoryFormat(job.encoder.module, ConvMemoryFormat(run.device));
    job.head->to(run.device);
  }));
  job.parameters = EncoderParameters(job.encoder);
  for (const auto& p : job.head->parameters()) job.parameters.push_back(p);
  job.optimizer =
      MakeOptimizer(s.optimizer, s.rounds[0].learning_rate, job.parameters);
  progress.lr = s.rounds[0].learning_rate;
  progress.plateau.lr = s.rounds[0].learning_rate;
  if (checkpoint) {
    SIMCLR_RETURN_IF_ERROR(
        LoadTrainingState(*checkpoint, job.head, *job.optimizer, &progress));
    EmitLog(events, absl::StrCat("resumed from ", *checkpoint, " at step ",
                                 progress.step));
  }

  const int threads =
      s.loader_threads > 0
          ? s.loader_threads
          : std::max(1,
                     static_cast<int>(std::thread::hardware_concurrency()) - 1);
  const TrainViewTransform transform(job.augment, job.shape);
  job.loader = std::make_unique<TwoViewLoader>(
      &job.dataset, job.split.train, transform,
      TwoViewLoader::Options{s.batch_size, s.drop_last, threads,
                             s.prefetch_batches, spec.seed()});
  if (!job.split.val.empty()) {
    job.val_loader = std::make_unique<TwoViewLoader>(
        &job.dataset, job.split.val, transform,
        TwoViewLoader::Options{s.batch_size, false, threads, s.prefetch_batches,
                               spec.seed()});
  }
  if (job.dataset.labelled() && !job.split.val.empty() &&
      s.knn_every_epochs > 0) {
    job.knn_bank = job.split.train;
    if (static_cast<int64_t>(job.knn_bank.size()) > s.knn_bank_size) {
      job.knn_bank.resize(static_cast<size_t>(s.knn_bank_size));
    }
  }
  if (job.loader->batches_per_epoch() == 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("pretrain.batch_size: ", s.batch_size,
                     " with drop_last leaves no batch of ",
                     job.split.train.size(), " training images"));
  }
  return absl::OkStatus();
}

// NT-Xent on both views through encoder and head, in one forward pass so
// BatchNorm sees the 2B views together (as the official implementation).
// With mixed precision on CUDA the forward is autocast and the loss is
// computed in float32.
absl::StatusOr<NtXentResult> Forward(Job& job, const TwoViewBatch& batch,
                                     c10::Device device) {
  SIMCLR_ASSIGN_OR_RETURN(
      at::Tensor projections, CallTorch("forward", [&] {
        const AutocastScope autocast(job.settings.mixed_precision, device);
        const at::Tensor views =
            torch::cat({batch.view1, batch.view2}).to(device);
        return job.head
            ->forward(job.encoder.module.forward({views}).toTensor())
            .to(torch::kFloat);
      }));
  const int64_t b = batch.view1.size(0);
  return NtXentLoss(projections.slice(0, 0, b), projections.slice(0, b, 2 * b),
                    job.settings.temperature);
}

std::optional<double> ValidationLoss(Job& job, c10::Device device) {
  if (job.val_loader == nullptr) return std::nullopt;
  torch::NoGradGuard no_grad;
  job.encoder.module.eval();
  job.head->eval();
  job.val_loader->StartEpoch(kValidationEpoch);
  double total = 0;
  int64_t count = 0;
  while (auto batch = job.val_loader->Next()) {
    if (batch->view1.size(0) < 2) continue;  // a lone image has no negatives
    auto result = Forward(job, *batch, device);
    if (!result.ok()) break;
    total += result->loss.item<double>() * batch->view1.size(0);
    count += batch->view1.size(0);
  }
  job.encoder.module.train();
  job.head->train();
  if (count == 0) return std::nullopt;
  return total / static_cast<double>(count);
}

std::optional<double> KnnAccuracy(Job& job, c10::Device device) {
  if (job.knn_bank.empty()) return std::nullopt;
  auto labels_of = [&](const std::vector<int64_t>& indices) {
    std::vector<int64_t> labels;
    for (const int64_t i : indices) labels.push_back(job.dataset.labels[i]);
    return torch::tensor(labels, torch::kInt64);
  };
  const auto bank = ExtractFeatures(job.encoder.module, job.dataset,
                                    job.knn_bank, job.shape, 256, device);
  const auto queries = ExtractFeatures(job.encoder.module, job.dataset,
                                       job.split.val, job.shape, 256, device);
  return KnnTop1(bank, labels_of(job.knn_bank), queries,
                 labels_of(job.split.val), job.settings.knn_k,
                 job.dataset.num_classes());
}

absl::Status Checkpoint(Job& job, const JobRun& run,
                        const TrainingProgress& progress, double train_loss,
                        std::optional<double> val_loss,
                        std::optional<double> knn, bool is_best,
                        std::optional<int64_t>& best_step, EventSink& events) {
  v1::Checkpoint meta;
  meta.set_is_best(is_best);
  (*meta.mutable_metrics())["train_loss"] = train_loss;
  if (val_loss) (*meta.mutable_metrics())["val_loss"] = *val_loss;
  if (knn) (*meta.mutable_metrics())["knn_top1"] = *knn;
  auto* encoder = meta.mutable_encoder();
  encoder->set_arch(job.encoder.arch);
  encoder->set_feature_dim(static_cast<int32_t>(job.encoder.feature_dim));
  auto* input = encoder->mutable_input();
  input->set_size(job.shape.size);
  input->set_channels(job.shape.channels);
  for (const float m : job.shape.mean) input->add_mean(m);
  for (const float s : job.shape.std) input->add_std(s);
  SIMCLR_ASSIGN_OR_RETURN(
      const std::string folder,
      WriteCheckpoint(run.job_dir, job.encoder, job.head, *job.optimizer,
                      progress, std::move(meta)));
  if (is_best && job.settings.keep_best) best_step = progress.step;
  SIMCLR_RETURN_IF_ERROR(
      ApplyRetention(run.job_dir, job.settings.keep_latest,
                     job.settings.keep_best ? best_step : std::nullopt));
  v1::JobEvent event;
  auto* saved = event.mutable_checkpoint();
  saved->set_path(std::filesystem::relative(folder, run.job_dir).string());
  saved->set_step(progress.step);
  saved->set_epoch(static_cast<int32_t>(progress.epoch));
  saved->set_is_best(is_best);
  events.Emit(std::move(event));
  return absl::OkStatus();
}

}  // namespace

absl::Status RunPretraining(const v1::JobSpec& spec, const JobRun& run,
                            EventSink& events) {
  if (spec.kind_case() != v1::JobSpec::kPretrain) {
    return absl::InvalidArgumentError("spec: not a pretrain job");
  }
  SIMCLR_RETURN_IF_ERROR(CreateJobDir(run.job_dir));
  Job job;
  TrainingProgress progress;
  SIMCLR_RETURN_IF_ERROR(Prepare(spec, run, job, progress, events));
  const PretrainSettings& s = job.settings;
  const int64_t batches = job.loader->batches_per_epoch();
  const int64_t total_steps = batches * s.total_epochs();
  ReduceOnPlateau plateau(progress.plateau.lr, s.plateau_factor,
                          s.plateau_patience, s.plateau_min_delta,
                          s.plateau_min_lr);
  plateau.Restore(progress.plateau);
  EarlyStopping stopping(s.early_stopping_patience, s.early_stopping_min_delta);
  stopping.Restore(progress.stopping);
  DynamicLossScaler scaler(s.mixed_precision && run.device.is_cuda());
  scaler.Restore(progress.loss_scaler);
  if (s.mixed_precision && !run.device.is_cuda()) {
    EmitLog(events,
            absl::StrCat("mixed_precision is CUDA-only; training in float32 on ",
                         run.device.str()),
            v1::LogLine::SEVERITY_WARNING);
  }
  std::optional<int64_t> best_step;
  {
    // A resumed run keeps protecting the best checkpoint it already has.
    std::error_code link_error;
    const auto target = std::filesystem::read_symlink(
        layout::CheckpointLink(run.job_dir, layout::kBestLink),
        link_error);
    int64_t step = 0;
    if (!link_error && absl::SimpleAtoi(target.string(), &step))
      best_step = step;
  }
  EmitLog(events,
          absl::StrCat("pretraining ", job.split.train.size(), " images (",
                       job.split.val.size(), " for validation), ", batches,
                       " batches per epoch, ", s.total_epochs(), " epochs on ",
                       run.device.str()));

  for (int64_t epoch = progress.epoch; epoch < s.total_epochs(); ++epoch) {
    const RoundAt round = RoundOfEpoch(s, epoch);
    const RoundSettings& r = s.rounds[round.index];
    const int64_t round_first_step = round.first_epoch * batches;
    const WarmupCosine cosine(
        r.learning_rate,
        round.index == 0 ? std::llround(s.warmup_epochs * batches) : 0,
        static_cast<int64_t>(r.epochs) * batches, s.final_lr_ratio);
    if (s.schedule == ScheduleKind::kConstant) progress.lr = r.learning_rate;
    if (s.schedule == ScheduleKind::kReduceOnPlateau &&
        epoch == round.first_epoch && progress.next_batch == 0 &&
        round.index > 0) {
      plateau.Restore({r.learning_rate, plateau.state().best, 0});
    }

    job.encoder.module.train();
    job.head->train();
    SIMCLR_RETURN_IF_ERROR(SetTrainableLayers(job.encoder, r.unfrozen_layers));
    job.loader->StartEpoch(epoch, progress.next_batch);

    double epoch_loss = 0, window_loss = 0, window_top1 = 0;
    int64_t epoch_steps = 0, window_steps = 0, window_views = 0;
    double window_wait = job.loader->wait_seconds();
    auto window_start = Clock::now();
    while (auto batch = job.loader->Next()) {
      if (batch->view1.size(0) < 2) continue;  // no negatives in a batch of 1
      double lr = progress.lr;
      if (s.schedule == ScheduleKind::kWarmupCosine) {
        lr = cosine.LearningRate(progress.step - round_first_step);
      } else if (s.schedule == ScheduleKind::kReduceOnPlateau) {
        lr = plateau.lr();
      }
      SetLearningRate(*job.optimizer, lr);
      job.optimizer->zero_grad();
      SIMCLR_ASSIGN_OR_RETURN(NtXentResult result,
                              Forward(job, *batch, run.device));
      const double loss = result.loss.item<double>();
      if (!std::isfinite(loss)) {
        return absl::FailedPreconditionError(absl::StrCat(
            "training diverged: the loss is ", loss, " at step ", progress.step,
            " (epoch ", epoch, "); lower the learning rate"));
      }
      SIMCLR_RETURN_IF_ERROR(CallTorch("backward and step", [&] {
        scaler.Scale(result.loss).backward();
        // A float16 overflow skips the step; the scaler lowers the scale.
        if (scaler.UnscaleAndUpdate(job.parameters)) job.optimizer->step();
      }));
      progress.loss_scaler = scaler.state();
      ++progress.step;
      progress.next_batch = batch->batch + 1;
      epoch_loss += loss;
      ++epoch_steps;
      window_loss += loss;
      window_top1 += result.positive_top1;
      window_views += 2 * batch->view1.size(0);
      ++window_steps;

      const bool last_of_epoch = progress.next_batch == batches;
      if (window_steps == s.log_every_steps || last_of_epoch) {
        const double seconds =
            std::chrono::duration<double>(Clock::now() - window_start).count();
        const double waited = job.loader->wait_seconds() - window_wait;
        v1::JobEvent event;
        auto* p = event.mutable_progress();
        p->set_epoch(static_cast<int32_t>(epoch));
        p->set_step(progress.step);
        p->set_total_steps(total_steps);
        p->set_round(round.index);
        p->set_loss(window_loss / window_steps);
        p->set_learning_rate(lr);
        p->set_samples_per_second(window_views / std::max(seconds, 1e-9));
        p->set_positive_pair_top1(window_top1 / window_steps);
        p->set_data_wait_fraction(
            std::clamp(waited / std::max(seconds, 1e-9), 0.0, 1.0));
        const double per_step = seconds / window_steps;
        *p->mutable_eta() =
            google::protobuf::util::TimeUtil::MillisecondsToDuration(
                static_cast<int64_t>(1000 * per_step *
                                     (total_steps - progress.step)));
        events.Emit(std::move(event));
        window_loss = window_top1 = 0;
        window_steps = window_views = 0;
        window_wait = job.loader->wait_seconds();
        window_start = Clock::now();
      }

      const bool stop = run.stop != nullptr && run.stop->load();
      const bool step_checkpoint =
          s.checkpoint_every_steps > 0 &&
          progress.step % s.checkpoint_every_steps == 0;
      if ((stop || step_checkpoint) && !last_of_epoch) {
        progress.epoch = epoch;
        progress.plateau = plateau.state();
        progress.stopping = stopping.state();
        SIMCLR_RETURN_IF_ERROR(Checkpoint(
            job, run, progress, epoch_loss / std::max<int64_t>(epoch_steps, 1),
            std::nullopt, std::nullopt, false, best_step, events));
        if (stop) {
          return absl::AbortedError(
              absl::StrCat("stopped on request after step ", progress.step,
                           "; resume continues from its checkpoint"));
        }
      }
    }

    // End of epoch: validation, kNN, schedule, early stopping, checkpoint.
    const double train_loss = epoch_loss / std::max<int64_t>(epoch_steps, 1);
    const std::optional<double> val_loss = ValidationLoss(job, run.device);
    std::optional<double> knn;
    if (s.knn_every_epochs > 0 && (epoch + 1) % s.knn_every_epochs == 0) {
      knn = KnnAccuracy(job, run.device);
    }
    const double monitored = val_loss.value_or(train_loss);
    const bool should_stop =
        stopping.Observe(static_cast<int>(epoch), monitored) &&
        s.early_stopping;
    if (s.schedule == ScheduleKind::kReduceOnPlateau)
      plateau.Observe(monitored);

    v1::JobEvent summary;
    auto* e = summary.mutable_epoch_summary();
    e->set_epoch(static_cast<int32_t>(epoch));
    e->set_train_loss(train_loss);
    if (val_loss) e->set_val_loss(*val_loss);
    if (knn) e->set_knn_top1(*knn);
    e->set_corrupt_images_skipped(job.dataset.corrupt_skipped);
    events.Emit(std::move(summary));

    progress.epoch = epoch + 1;
    progress.next_batch = 0;
    progress.plateau = plateau.state();
    progress.stopping = stopping.state();
    const bool last_epoch = epoch + 1 == s.total_epochs();
    const bool stop = run.stop != nullptr && run.stop->load();
    if ((epoch + 1) % s.checkpoint_every_epochs == 0 || last_epoch ||
        should_stop || stop) {
      SIMCLR_RETURN_IF_ERROR(Checkpoint(job, run, progress, train_loss,
                                        val_loss, knn, stopping.last_was_best(),
                                        best_step, events));
    }
    if (should_stop) {
      EmitLog(events,
              absl::StrCat("early stopping after epoch ", epoch,
                           "; best epoch ", stopping.state().best_epoch));
      break;
    }
    if (stop && !last_epoch) {
      return absl::AbortedError(
          absl::StrCat("stopped on request after epoch ", epoch,
                       "; resume continues from its checkpoint"));
    }
  }
  int64_t final_step = progress.step;
  if (s.early_stopping && s.restore_best && best_step) final_step = *best_step;
  SIMCLR_RETURN_IF_ERROR(MarkFinalCheckpoint(run.job_dir, final_step));
  EmitLog(events,
          absl::StrCat("pretraining finished after ", progress.step,
                       " steps; result: checkpoint ", final_step,
                       final_step == progress.step ? " (the last)"
                                                   : " (the best, restored)"));
  return absl::OkStatus();
}

}  // namespace simclr::core
