#include "core/train/pretrain_setup.h"

#include <algorithm>
#include <optional>
#include <string>
#include <thread>

#include "absl/strings/str_cat.h"
#include "core/common/field_error.h"
#include "core/common/status_macros.h"
#include "core/data/data_source.h"
#include "core/distributed/gradient_sync.h"
#include "core/distributed/rank_group.h"
#include "core/distributed/sync_batch_norm.h"
#include "core/models/sync_twin.h"
#include "core/runtime/memory_format.h"
#include "core/runtime/torch_status.h"
#include "core/train/optimizer_factory.h"
#include "torch/torch.h"

namespace simclr::core {
namespace {

// A deterministic slice first (tests, smoke runs), then the split.
absl::Status LoadData(const v1::PretrainConfig& config, const JobRun& run,
                      PretrainJob& job) {
  const PretrainSettings& s = job.settings;
  SIMCLR_ASSIGN_OR_RETURN(
      job.dataset, LoadDataSource(config.data().train(), s.max_corrupt_fraction,
                                  run.spec_dir, "pretrain.data.train"));
  std::vector<int64_t> selected = ShuffledIndices(job.dataset.size(), s.split_seed);
  if (s.max_examples > 0 && s.max_examples < job.dataset.size()) {
    selected.resize(static_cast<size_t>(s.max_examples));
    std::sort(selected.begin(), selected.end());
    job.dataset = Subset(job.dataset, selected);
  }
  SIMCLR_ASSIGN_OR_RETURN(
      job.split, SplitTrainValTest(job.dataset.size(), job.dataset.labels,
                                   s.val_fraction, s.test_fraction, s.split_seed));
  if (static_cast<int64_t>(job.split.train.size()) < 2) {
    return absl::InvalidArgumentError(absl::StrCat(
        "pretrain.data: ", job.split.train.size(),
        " training images after the validation split; need at least 2"));
  }
  SIMCLR_ASSIGN_OR_RETURN(job.shape, ResolveInputShape(config.input(), job.dataset.height,
                                                       job.dataset.channels));
  return absl::OkStatus();
}

// The encoder (its newest checkpoint's weights on resume) and head, on the
// run's device, and the optimiser over both; the checkpoint's training
// state restored.
absl::Status BuildModels(const v1::JobSpec& spec, const JobRun& run, PretrainJob& job,
                         TrainingProgress& progress, EventSink& events) {
  const v1::PretrainConfig& config = spec.pretrain();
  const PretrainSettings& s = job.settings;
  torch::manual_seed(spec.seed());
  SIMCLR_ASSIGN_OR_RETURN(job.encoder, BuildEncoder(config.encoder(), job.shape));
  std::optional<std::string> checkpoint;
  if (run.resume) {
    if (auto latest = LatestCheckpoint(run.job_dir); latest.ok()) {
      checkpoint = *latest;
      SIMCLR_RETURN_IF_ERROR(LoadEncoderModule(*checkpoint, &job.encoder));
    }
  }
  const bool sync = config.sync_batch_norm() && WorldSize(run.ranks) > 1;
  SIMCLR_ASSIGN_OR_RETURN(job.head, BuildProjectionHead(config.projection_head(),
                                                        job.encoder.feature_dim, sync));
  SIMCLR_RETURN_IF_ERROR(CallTorch("move to device", [&] {
    job.encoder.module.to(run.device);
    ToMemoryFormat(job.encoder.module, ConvMemoryFormat(run.device));
    job.head->to(run.device);
  }));
  job.train_module = job.encoder.module;
  if (sync) {
    SIMCLR_ASSIGN_OR_RETURN(job.train_module,
                            BuildSyncBatchNormTwin(config.encoder(), job.shape, job.encoder));
    SetSyncBatchNormGroup(run.ranks);
  }
  job.parameters = EncoderParameters(job.encoder);
  for (const auto& p : job.head->parameters()) job.parameters.push_back(p);
  job.optimizer = MakeOptimizer(s.optimizer, s.rounds[0].learning_rate, job.parameters);
  progress.lr = s.rounds[0].learning_rate;
  progress.plateau.lr = s.rounds[0].learning_rate;
  if (!checkpoint) return absl::OkStatus();
  SIMCLR_RETURN_IF_ERROR(
      LoadTrainingState(*checkpoint, job.head, *job.optimizer, &progress, run.device));
  EmitLog(events, absl::StrCat("resumed from ", *checkpoint, " at step ", progress.step));
  return absl::OkStatus();
}

// Every rank at rank 0's step, with rank 0's weights and buffers.
absl::Status AlignRanks(PretrainJob& job, const TrainingProgress& progress,
                        RankGroup& ranks) {
  int64_t chief_step = 0;
  SIMCLR_RETURN_IF_ERROR(CallTorch("align ranks", [&] {
    at::Tensor step = torch::tensor({progress.step}, torch::kLong);
    ranks.Broadcast(step);
    chief_step = step.item<int64_t>();
    std::vector<at::Tensor> state;
    for (const auto& p : job.encoder.module.parameters()) state.push_back(p);
    for (const auto& b : job.encoder.module.buffers()) state.push_back(b);
    for (const auto& p : job.head->parameters()) state.push_back(p);
    for (const auto& b : job.head->buffers()) state.push_back(b);
    BroadcastFromChief(state, ranks);
  }));
  if (chief_step != progress.step) {
    return absl::FailedPreconditionError(absl::StrCat(
        "rank ", ranks.rank(), " starts at step ", progress.step, " but rank 0 at step ",
        chief_step, ": the ranks must share one job folder"));
  }
  return absl::OkStatus();
}

// Multi-crop's small crops: the views' augmentation with the small crops'
// scale, at their size (checked against the input's, now known).
absl::StatusOr<std::optional<SmallCrops>> SmallCropsFor(const PretrainSettings& s,
                                                        const InputShape& shape) {
  const MultiCropParams& multi = s.multi_crop;
  if (multi.count == 0) return std::nullopt;
  InputShape small = shape;
  small.size = multi.SideFor(shape.size);
  if (small.size > shape.size) {
    return FieldError("pretrain.multi_crop.size",
                      absl::StrCat(small.size, " is above the input size ", shape.size));
  }
  AugmentParams augment = s.augment;
  augment.crop = true;
  augment.scale_min = multi.scale_min;
  augment.scale_max = multi.scale_max;
  return SmallCrops{TrainViewTransform(augment, small), multi.count};
}

absl::Status MakeLoaders(uint64_t seed, const JobRun& run, PretrainJob& job) {
  const PretrainSettings& s = job.settings;
  const int threads =
      s.loader_threads > 0
          ? s.loader_threads
          : std::max(1, static_cast<int>(std::thread::hardware_concurrency()) - 1);
  const TrainViewTransform transform(s.augment, job.shape);
  SIMCLR_ASSIGN_OR_RETURN(std::optional<SmallCrops> small_crops, SmallCropsFor(s, job.shape));
  const int world = WorldSize(run.ranks);
  job.loader = std::make_unique<TwoViewLoader>(
      &job.dataset, job.split.train, transform,
      TwoViewLoader::Options{s.batch_size, s.drop_last, threads, s.prefetch_batches, seed,
                             RankOf(run.ranks), world},
      std::move(small_crops));
  // The chief validates alone, on global batches: the same figure as one
  // rank of world × batch_size.
  if (!job.split.val.empty() && IsChief(run.ranks)) {
    job.val_loader = std::make_unique<TwoViewLoader>(
        &job.dataset, job.split.val, transform,
        TwoViewLoader::Options{s.batch_size * world, false, threads, s.prefetch_batches,
                               seed});
  }
  if (job.loader->batches_per_epoch() == 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("pretrain.batch_size: ", s.batch_size,
                     world > 1 ? absl::StrCat(" on each of ", world, " ranks") : "",
                     " with drop_last leaves no batch of ", job.split.train.size(),
                     " training images"));
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status PreparePretrainJob(const v1::JobSpec& spec, const JobRun& run,
                                PretrainJob& job, TrainingProgress& progress,
                                EventSink& events) {
  SIMCLR_ASSIGN_OR_RETURN(job.settings, ResolvePretrainSettings(spec.pretrain(), WorldSize(run.ranks)));
  SIMCLR_RETURN_IF_ERROR(LoadData(spec.pretrain(), run, job));
  SIMCLR_RETURN_IF_ERROR(BuildModels(spec, run, job, progress, events));
  if (run.ranks != nullptr) SIMCLR_RETURN_IF_ERROR(AlignRanks(job, progress, *run.ranks));
  SIMCLR_RETURN_IF_ERROR(MakeLoaders(spec.seed(), run, job));
  const PretrainSettings& s = job.settings;
  if (job.dataset.labelled() && !job.split.val.empty() && s.knn_every_epochs > 0 &&
      IsChief(run.ranks)) {
    job.knn_bank = job.split.train;
    if (static_cast<int64_t>(job.knn_bank.size()) > s.knn_bank_size) {
      job.knn_bank.resize(static_cast<size_t>(s.knn_bank_size));
    }
  }
  return absl::OkStatus();
}

}  // namespace simclr::core
