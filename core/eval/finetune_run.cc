#include "core/eval/finetune_run.h"

#include <algorithm>
#include <cmath>
#include <memory>

#include "absl/strings/str_cat.h"
#include "core/augment/augment_rng.h"
#include "core/common/status_macros.h"
#include "core/data/splits.h"
#include "core/inference/features.h"
#include "core/runtime/memory_format.h"
#include "core/runtime/torch_status.h"
#include "core/train/lr_schedule.h"
#include "core/train/optimizer_factory.h"
#include "torch/torch.h"

namespace simclr::core {
namespace {

// A batch of inputs: augmented views when training with augmentation,
// else the eval transform. passes[i] tells apart the views of an image that
// an epoch longer than its subset draws more than once.
at::Tensor Batch(const ImageDataset& dataset, const std::vector<int64_t>& ids,
                 const std::vector<uint64_t>& passes, const InputShape& shape,
                 const std::optional<TrainViewTransform>& transform,
                 uint64_t seed, int64_t epoch) {
  if (!transform) {
    return EvalInputs(dataset, ids.data(), static_cast<int64_t>(ids.size()),
                      shape);
  }
  at::Tensor batch = torch::empty(
      {static_cast<int64_t>(ids.size()), shape.channels, shape.size,
       shape.size});
  float* out = batch.data_ptr<float>();
  for (size_t i = 0; i < ids.size(); ++i) {
    AugmentRng rng(seed, static_cast<uint64_t>(epoch),
                   static_cast<uint64_t>(ids[i]), passes[i]);
    transform->Apply({dataset.image(ids[i]), dataset.height, dataset.width,
                      dataset.channels},
                     rng, out + i * shape.values());
  }
  return batch;
}

at::Tensor Labels(const ImageDataset& dataset, const std::vector<int64_t>& ids) {
  std::vector<int64_t> labels(ids.size());
  for (size_t i = 0; i < ids.size(); ++i)
    labels[i] = dataset.labels[static_cast<size_t>(ids[i])];
  return torch::tensor(labels, torch::kInt64);
}

// Weights of encoder and head, copied (the best epoch's, for restore).
struct Snapshot {
  std::vector<at::Tensor> values;
};

std::vector<at::Tensor> StateTensors(Encoder& encoder, ClassifierHead& head) {
  std::vector<at::Tensor> state;
  for (const auto& p : encoder.module.parameters()) state.push_back(p);
  for (const auto& b : encoder.module.buffers()) state.push_back(b);
  for (const auto& p : head->parameters()) state.push_back(p);
  for (const auto& b : head->buffers()) state.push_back(b);
  return state;
}

Snapshot Take(Encoder& encoder, ClassifierHead& head) {
  torch::NoGradGuard no_grad;
  Snapshot s;
  for (const auto& t : StateTensors(encoder, head))
    s.values.push_back(t.detach().clone());
  return s;
}

void Restore(const Snapshot& s, Encoder& encoder, ClassifierHead& head) {
  torch::NoGradGuard no_grad;
  const auto state = StateTensors(encoder, head);
  for (size_t i = 0; i < state.size(); ++i) state[i].copy_(s.values[i]);
}

// Share of `predicted` (one per id) that match the ids' labels.
double Top1(const std::vector<int64_t>& predicted, const ImageDataset& dataset,
            const std::vector<int64_t>& ids) {
  int64_t correct = 0;
  for (size_t i = 0; i < ids.size() && i < predicted.size(); ++i) {
    correct += predicted[i] == dataset.labels[static_cast<size_t>(ids[i])];
  }
  return ids.empty() ? 0 : static_cast<double>(correct) / static_cast<double>(ids.size());
}

// Mean cross-entropy and predictions over `ids`, in eval mode.
std::pair<double, std::vector<int64_t>> Score(Encoder& encoder,
                                              ClassifierHead& head,
                                              const ImageDataset& dataset,
                                              const std::vector<int64_t>& ids,
                                              const RunInputs& in) {
  torch::NoGradGuard no_grad;
  encoder.module.eval();
  head->eval();
  double loss = 0;
  std::vector<int64_t> predicted;
  const int64_t batch = 512;
  for (size_t begin = 0; begin < ids.size(); begin += batch) {
    const std::vector<int64_t> part(
        ids.begin() + begin,
        ids.begin() + std::min(ids.size(), begin + static_cast<size_t>(batch)));
    const at::Tensor x =
        EvalInputs(dataset, part.data(), static_cast<int64_t>(part.size()),
                   *in.shape)
            .to(in.device);
    const at::Tensor logits =
        head->forward(encoder.module.forward({x}).toTensor()).to(torch::kCPU);
    loss += torch::nn::functional::cross_entropy(
                    logits, Labels(dataset, part),
                    torch::nn::functional::CrossEntropyFuncOptions().reduction(
                        torch::kSum))
                .item<double>();
    const at::Tensor p = logits.argmax(1).contiguous();
    predicted.insert(predicted.end(), p.data_ptr<int64_t>(),
                     p.data_ptr<int64_t>() + p.numel());
  }
  return {ids.empty() ? 0 : loss / static_cast<double>(ids.size()), predicted};
}

class FinetuneRun {
 public:
  FinetuneRun(Encoder& encoder, ClassifierHead& head,
              const std::vector<int64_t>& train_ids, uint64_t seed, const RunInputs& in,
              EventSink& events);
  absl::StatusOr<RunResult> Run();

 private:
  absl::Status TrainRound(size_t round);
  // The mean training loss of one epoch.
  absl::StatusOr<double> TrainEpoch(size_t round, torch::optim::Optimizer& optimizer,
                                    const WarmupCosine& cosine, int64_t& round_step);
  absl::StatusOr<double> Step(torch::optim::Optimizer& optimizer,
                              const std::vector<int64_t>& ids,
                              const std::vector<uint64_t>& passes, size_t round);
  // Validation, the epoch's summary, early stopping.
  absl::Status EndEpoch(double train_loss);
  absl::Status Test();

  Encoder& encoder_;
  ClassifierHead& head_;
  const std::vector<int64_t>& train_ids_;
  const uint64_t seed_;
  const RunInputs& in_;
  EventSink& events_;
  const TrainSettings& s_;
  const EvalData& data_;
  std::vector<at::Tensor> parameters_;
  EarlyStopping stopping_;
  std::optional<Snapshot> best_;
  RunResult result_;
  int64_t subset_ = 0, epoch_examples_ = 0, batches_ = 0;
  int global_epoch_ = 0;
  bool stop_ = false;
};

FinetuneRun::FinetuneRun(Encoder& encoder, ClassifierHead& head,
                         const std::vector<int64_t>& train_ids, uint64_t seed,
                         const RunInputs& in, EventSink& events)
    : encoder_(encoder),
      head_(head),
      train_ids_(train_ids),
      seed_(seed),
      in_(in),
      events_(events),
      s_(in.settings->train),
      data_(*in.data),
      stopping_(s_.early_stopping_patience, s_.early_stopping_min_delta) {
  // An epoch's examples: one pass over the subset, or as many as the whole
  // pool, so that small fractions get as many steps as 100 % does.
  subset_ = static_cast<int64_t>(train_ids.size());
  epoch_examples_ = in.settings->equal_steps_per_fraction
                        ? std::max(subset_, static_cast<int64_t>(data_.pool.size()))
                        : subset_;
  batches_ = (epoch_examples_ + s_.batch_size - 1) / s_.batch_size;
}

absl::StatusOr<RunResult> FinetuneRun::Run() {
  encoder_.module.to(in_.device);
  ToMemoryFormat(encoder_.module, ConvMemoryFormat(in_.device));
  head_->to(in_.device);
  parameters_ = EncoderParameters(encoder_);
  for (const auto& p : head_->parameters()) parameters_.push_back(p);
  for (size_t r = 0; r < s_.rounds.size() && !stop_; ++r) {
    SIMCLR_RETURN_IF_ERROR(TrainRound(r));
  }
  if (best_) Restore(*best_, encoder_, head_);
  SIMCLR_RETURN_IF_ERROR(Test());
  return std::move(result_);
}

absl::Status FinetuneRun::TrainRound(size_t r) {
  const RoundSettings& round = s_.rounds[r];
  auto optimizer = MakeOptimizer(s_.optimizer, round.learning_rate, parameters_);
  const WarmupCosine cosine(round.learning_rate,
                            r == 0 ? std::llround(s_.warmup_epochs * batches_) : 0,
                            static_cast<int64_t>(round.epochs) * batches_,
                            s_.final_lr_ratio);
  int64_t round_step = 0;
  for (int e = 0; e < round.epochs && !stop_; ++e, ++global_epoch_) {
    encoder_.module.train();
    head_->train();
    SIMCLR_RETURN_IF_ERROR(SetTrainableLayers(encoder_, round.unfrozen_layers));
    SIMCLR_ASSIGN_OR_RETURN(const double train_loss,
                            TrainEpoch(r, *optimizer, cosine, round_step));
    SIMCLR_RETURN_IF_ERROR(EndEpoch(train_loss));
  }
  return absl::OkStatus();
}

absl::StatusOr<double> FinetuneRun::TrainEpoch(size_t round,
                                               torch::optim::Optimizer& optimizer,
                                               const WarmupCosine& cosine,
                                               int64_t& round_step) {
  const std::vector<int64_t> order =
      RepeatedShuffledIndices(subset_, epoch_examples_, seed_ + global_epoch_);
  double train_loss = 0;
  int64_t seen = 0;
  for (int64_t b = 0; b < batches_; ++b) {
    if (in_.stop != nullptr && in_.stop->load()) {
      return absl::AbortedError("stopped on request");
    }
    std::vector<int64_t> ids;
    std::vector<uint64_t> passes;
    for (int64_t k = b * s_.batch_size;
         k < std::min<int64_t>((b + 1) * s_.batch_size, order.size()); ++k) {
      ids.push_back(train_ids_[static_cast<size_t>(order[k])]);
      passes.push_back(static_cast<uint64_t>(k / subset_));
    }
    if (ids.size() < 2) continue;  // BatchNorm needs two
    if (s_.schedule == ScheduleKind::kWarmupCosine) {
      SetLearningRate(optimizer, cosine.LearningRate(round_step));
    }
    ++round_step;
    ++result_.steps;
    SIMCLR_ASSIGN_OR_RETURN(const double loss, Step(optimizer, ids, passes, round));
    train_loss += loss * static_cast<double>(ids.size());
    seen += static_cast<int64_t>(ids.size());
  }
  return seen > 0 ? train_loss / static_cast<double>(seen) : 0;
}

absl::StatusOr<double> FinetuneRun::Step(torch::optim::Optimizer& optimizer,
                                         const std::vector<int64_t>& ids,
                                         const std::vector<uint64_t>& passes,
                                         size_t round) {
  const at::Tensor x = Batch(data_.train, ids, passes, *in_.shape, in_.transform, seed_,
                             global_epoch_)
                           .to(in_.device);
  const at::Tensor y = Labels(data_.train, ids).to(in_.device);
  SIMCLR_ASSIGN_OR_RETURN(double loss, CallTorch("fine-tune step", [&] {
                            optimizer.zero_grad();
                            at::Tensor l = torch::nn::functional::cross_entropy(
                                head_->forward(encoder_.module.forward({x}).toTensor()), y);
                            const double value = l.item<double>();
                            if (std::isfinite(value)) {
                              l.backward();
                              optimizer.step();
                            }
                            return value;
                          }));
  if (!std::isfinite(loss)) {
    return absl::FailedPreconditionError(
        absl::StrCat("fine-tuning diverged: the loss is ", loss, " in epoch ",
                     global_epoch_, " (round ", round, "); lower the learning rate"));
  }
  return loss;
}

absl::Status FinetuneRun::EndEpoch(double train_loss) {
  ++result_.epochs;
  std::optional<double> val_loss;
  v1::JobEvent summary;
  auto* es = summary.mutable_epoch_summary();
  if (!data_.val.empty()) {
    SIMCLR_ASSIGN_OR_RETURN(auto scored, CallTorch("validation", [&] {
                              return Score(encoder_, head_, data_.train, data_.val, in_);
                            }));
    val_loss = scored.first;
    es->set_val_loss(*val_loss);
    es->set_val_top1(Top1(scored.second, data_.train, data_.val));
  }
  es->set_epoch(global_epoch_);
  es->set_train_loss(train_loss);
  result_.history.push_back(*es);
  events_.Emit(std::move(summary));
  if (val_loss && s_.early_stopping) {
    stop_ = stopping_.Observe(global_epoch_, *val_loss);
    if (stopping_.last_was_best() && s_.restore_best) best_ = Take(encoder_, head_);
  }
  return absl::OkStatus();
}

absl::Status FinetuneRun::Test() {
  std::vector<int64_t> all(static_cast<size_t>(data_.test.size()));
  for (size_t i = 0; i < all.size(); ++i) all[i] = static_cast<int64_t>(i);
  SIMCLR_ASSIGN_OR_RETURN(auto scored, CallTorch("test", [&] {
                            return Score(encoder_, head_, data_.test, all, in_);
                          }));
  result_.predicted = std::move(scored.second);
  int64_t correct = 0;
  for (size_t i = 0; i < all.size(); ++i) {
    correct += result_.predicted[i] == data_.test.labels[i];
  }
  result_.top1 = static_cast<double>(correct) / static_cast<double>(all.size());
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<RunResult> FinetuneOnce(Encoder& encoder, ClassifierHead& head,
                                       const std::vector<int64_t>& train_ids,
                                       uint64_t seed, const RunInputs& in,
                                       EventSink& events) {
  return FinetuneRun(encoder, head, train_ids, seed, in, events).Run();
}

}  // namespace simclr::core
