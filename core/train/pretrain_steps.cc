#include "core/train/pretrain_steps.h"

#include <filesystem>
#include <string>
#include <vector>

#include "core/common/status_macros.h"
#include "core/distributed/gather.h"
#include "core/inference/features.h"
#include "core/runtime/torch_status.h"
#include "core/train/mixed_precision.h"
#include "core/train/multi_view_loss.h"
#include "torch/torch.h"

namespace simclr::core {
namespace {

// Validation views use one fixed augmentation "epoch", so the validation
// loss of different epochs compares like with like.
constexpr int64_t kValidationEpoch = int64_t{1} << 40;

v1::Checkpoint CheckpointMeta(const PretrainJob& job, const CheckpointMetrics& metrics) {
  v1::Checkpoint meta;
  meta.set_is_best(metrics.is_best);
  (*meta.mutable_metrics())["train_loss"] = metrics.train_loss;
  if (metrics.val_loss) (*meta.mutable_metrics())["val_loss"] = *metrics.val_loss;
  if (metrics.knn_top1) (*meta.mutable_metrics())["knn_top1"] = *metrics.knn_top1;
  auto* encoder = meta.mutable_encoder();
  encoder->set_arch(job.encoder.arch);
  encoder->set_feature_dim(static_cast<int32_t>(job.encoder.feature_dim));
  auto* input = encoder->mutable_input();
  input->set_size(job.shape.size);
  input->set_channels(job.shape.channels);
  for (const float m : job.shape.mean) input->add_mean(m);
  for (const float s : job.shape.std) input->add_std(s);
  return meta;
}

// The small crops' pass leaves the encoder's buffers (BatchNorm's running
// statistics) as the views' pass left them: evaluation sees full-size
// images, and statistics of upscaled small crops would skew them.
at::Tensor ForwardSmallCrops(torch::jit::Module& encoder, const at::Tensor& crops) {
  std::vector<at::Tensor> buffers, saved;
  for (const at::Tensor& buffer : encoder.buffers()) {
    buffers.push_back(buffer);
    saved.push_back(buffer.clone());
  }
  at::Tensor features = encoder.forward({crops}).toTensor();
  // Through variable_data(), as BatchNorm's own update: autograd saved the
  // running statistics (a training-mode backward never reads them), and a
  // tracked copy_ would fail its version check.
  const torch::NoGradGuard no_grad;
  for (size_t i = 0; i < buffers.size(); ++i) buffers[i].variable_data().copy_(saved[i]);
  return features;
}

// Multi-crop (one rank: the settings refuse more): projections are
// (2 + K) × b rows, view-major.
absl::StatusOr<NtXentResult> MultiViewLoss(PretrainJob& job, const at::Tensor& projections,
                                           int64_t b) {
  const at::Tensor views = projections.view({projections.size(0) / b, b, projections.size(1)});
  return MultiViewNtXentLoss(views, 0, b, job.settings.temperature, job.settings.decoupled_loss);
}

}  // namespace

absl::StatusOr<NtXentResult> PretrainForward(PretrainJob& job, torch::jit::Module& encoder,
                                             const TwoViewBatch& batch, c10::Device device,
                                             RankGroup* ranks) {
  SIMCLR_ASSIGN_OR_RETURN(at::Tensor projections, CallTorch("forward", [&] {
                            const AutocastScope autocast(job.settings.mixed_precision,
                                                         device);
                            const at::Tensor views =
                                torch::cat({batch.view1, batch.view2}).to(device);
                            at::Tensor features = encoder.forward({views}).toTensor();
                            if (batch.small_crops.defined()) {
                              features = torch::cat(
                                  {features,
                                   ForwardSmallCrops(encoder, batch.small_crops.to(device))});
                            }
                            return job.head->forward(features).to(torch::kFloat);
                          }));
  const int64_t b = batch.view1.size(0);
  if (batch.small_crops.defined()) return MultiViewLoss(job, projections, b);
  const at::Tensor z1 = projections.slice(0, 0, b);
  const at::Tensor z2 = projections.slice(0, b, 2 * b);
  if (ranks == nullptr) return NtXentLoss(z1, z2, job.settings.temperature,
                                          job.settings.decoupled_loss);
  // One all-gather of both views side by side: (world × b, 2D).
  const int64_t d = z1.size(1);
  SIMCLR_ASSIGN_OR_RETURN(at::Tensor all, CallTorch("gather projections", [&] {
                            return GatherWithGradient(torch::cat({z1, z2}, 1), *ranks);
                          }));
  return NtXentLossForAnchors(all.slice(1, 0, d), all.slice(1, d, 2 * d), ranks->rank() * b,
                              b, job.settings.temperature, job.settings.decoupled_loss);
}

std::optional<double> ValidationLoss(PretrainJob& job, c10::Device device) {
  if (job.val_loader == nullptr) return std::nullopt;
  torch::NoGradGuard no_grad;
  job.encoder.module.eval();
  job.head->eval();
  job.val_loader->StartEpoch(kValidationEpoch);
  double total = 0;
  int64_t count = 0;
  while (auto batch = job.val_loader->Next()) {
    if (batch->view1.size(0) < 2) continue;  // a lone image has no negatives
    auto result = PretrainForward(job, job.encoder.module, *batch, device, nullptr);
    if (!result.ok()) break;
    total += result->loss.item<double>() * batch->view1.size(0);
    count += batch->view1.size(0);
  }
  job.encoder.module.train();
  job.head->train();
  if (count == 0) return std::nullopt;
  return total / static_cast<double>(count);
}

std::optional<double> KnnAccuracy(PretrainJob& job, c10::Device device) {
  if (job.knn_bank.empty()) return std::nullopt;
  auto labels_of = [&](const std::vector<int64_t>& indices) {
    std::vector<int64_t> labels;
    for (const int64_t i : indices) labels.push_back(job.dataset.labels[i]);
    return torch::tensor(labels, torch::kInt64);
  };
  const auto bank = ExtractFeatures(job.encoder.module, job.dataset, job.knn_bank,
                                    job.shape, 256, device);
  const auto queries = ExtractFeatures(job.encoder.module, job.dataset, job.split.val,
                                       job.shape, 256, device);
  return KnnTop1(bank, labels_of(job.knn_bank), queries, labels_of(job.split.val),
                 job.settings.knn_k, job.dataset.num_classes());
}

absl::Status SavePretrainCheckpoint(PretrainJob& job, const JobRun& run,
                                    const TrainingProgress& progress,
                                    const CheckpointMetrics& metrics,
                                    std::optional<int64_t>& best_step, EventSink& events) {
  SIMCLR_ASSIGN_OR_RETURN(const std::string folder,
                          WriteCheckpoint(run.job_dir, job.encoder, job.head,
                                          *job.optimizer, progress,
                                          CheckpointMeta(job, metrics)));
  if (metrics.is_best && job.settings.keep_best) best_step = progress.step;
  SIMCLR_RETURN_IF_ERROR(ApplyRetention(run.job_dir, job.settings.keep_latest,
                                        job.settings.keep_best ? best_step : std::nullopt));
  v1::JobEvent event;
  auto* saved = event.mutable_checkpoint();
  saved->set_path(std::filesystem::relative(folder, run.job_dir).string());
  saved->set_step(progress.step);
  saved->set_epoch(static_cast<int32_t>(progress.epoch));
  saved->set_is_best(metrics.is_best);
  events.Emit(std::move(event));
  return absl::OkStatus();
}

}  // namespace simclr::core
