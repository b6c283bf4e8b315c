#include "core/eval/finetune_job.h"

#include <chrono>
#include <cmath>
#include <filesystem>
#include <optional>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "core/augment/augment_rng.h"
#include "core/common/sha256.h"
#include "core/common/status_macros.h"
#include "core/data/splits.h"
#include "core/eval/eval_data.h"
#include "core/eval/eval_report.h"
#include "core/eval/eval_runs.h"
#include "core/eval/eval_subject.h"
#include "core/eval/features.h"
#include "core/eval/finished_runs.h"
#include "core/models/classifier_head.h"
#include "core/runtime/memory_format.h"
#include "core/runtime/torch_status.h"
#include "core/train/lr_schedule.h"
#include "core/train/optimizer_factory.h"
#include "core/spec/finetune_settings.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"
#include "torch/torch.h"

namespace simclr::core {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

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

struct RunResult {
  double top1 = 0;
  std::vector<int64_t> predicted;
  int epochs = 0;
  int64_t steps = 0;
};

struct RunInputs {
  const EvalData* data;
  const InputShape* shape;
  const FinetuneSettings* settings;
  std::optional<TrainViewTransform> transform;
  c10::Device device = c10::Device(c10::kCPU);
  const std::atomic<bool>* stop = nullptr;
};

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

absl::StatusOr<RunResult> FinetuneOnce(Encoder& encoder, ClassifierHead& head,
                                       const std::vector<int64_t>& train_ids,
                                       uint64_t seed, const RunInputs& in,
                                       EventSink& events) {
  const TrainSettings& s = in.settings->train;
  const EvalData& data = *in.data;
  encoder.module.to(in.device);
  ToMemoryFormat(encoder.module, ConvMemoryFormat(in.device));
  head->to(in.device);
  std::vector<at::Tensor> parameters = EncoderParameters(encoder);
  for (const auto& p : head->parameters()) parameters.push_back(p);

  EarlyStopping stopping(s.early_stopping_patience, s.early_stopping_min_delta);
  std::optional<Snapshot> best;
  RunResult result;
  // An epoch's examples: one pass over the subset, or as many as the whole
  // pool, so that small fractions get as many steps as 100 % does.
  const auto subset = static_cast<int64_t>(train_ids.size());
  const int64_t epoch_examples =
      in.settings->equal_steps_per_fraction
          ? std::max(subset, static_cast<int64_t>(data.pool.size()))
          : subset;
  const int64_t batches = (epoch_examples + s.batch_size - 1) / s.batch_size;
  int global_epoch = 0;
  bool stop = false;
  for (size_t r = 0; r < s.rounds.size() && !stop; ++r) {
    const RoundSettings& round = s.rounds[r];
    auto optimizer = MakeOptimizer(s.optimizer, round.learning_rate, parameters);
    const WarmupCosine cosine(
        round.learning_rate,
        r == 0 ? std::llround(s.warmup_epochs * batches) : 0,
        static_cast<int64_t>(round.epochs) * batches, s.final_lr_ratio);
    int64_t round_step = 0;
    for (int e = 0; e < round.epochs && !stop; ++e, ++global_epoch) {
      encoder.module.train();
      head->train();
      SIMCLR_RETURN_IF_ERROR(SetTrainableLayers(encoder, round.unfrozen_layers));
      const std::vector<int64_t> order =
          RepeatedShuffledIndices(subset, epoch_examples, seed + global_epoch);
      double train_loss = 0;
      int64_t seen = 0;
      for (int64_t b = 0; b < batches; ++b) {
        if (in.stop != nullptr && in.stop->load()) {
          return absl::AbortedError("stopped on request");
        }
        std::vector<int64_t> ids;
        std::vector<uint64_t> passes;
        for (int64_t k = b * s.batch_size;
             k < std::min<int64_t>((b + 1) * s.batch_size, order.size()); ++k) {
          ids.push_back(train_ids[static_cast<size_t>(order[k])]);
          passes.push_back(static_cast<uint64_t>(k / subset));
        }
        if (ids.size() < 2) continue;  // BatchNorm needs two
        if (s.schedule == ScheduleKind::kWarmupCosine)
          SetLearningRate(*optimizer, cosine.LearningRate(round_step));
        ++round_step;
        ++result.steps;
        const at::Tensor x =
            Batch(data.train, ids, passes, *in.shape, in.transform, seed,
                  global_epoch)
                .to(in.device);
        const at::Tensor y = Labels(data.train, ids).to(in.device);
        SIMCLR_ASSIGN_OR_RETURN(double loss, CallTorch("fine-tune step", [&] {
                                  optimizer->zero_grad();
                                  at::Tensor l = torch::nn::functional::cross_entropy(
                                      head->forward(encoder.module.forward({x})
                                                        .toTensor()),
                                      y);
                                  const double value = l.item<double>();
                                  if (std::isfinite(value)) {
                                    l.backward();
                                    optimizer->step();
                                  }
                                  return value;
                                }));
        if (!std::isfinite(loss)) {
          return absl::FailedPreconditionError(absl::StrCat(
              "fine-tuning diverged: the loss is ", loss, " in epoch ",
              global_epoch, " (round ", r, "); lower the learning rate"));
        }
        train_loss += loss * static_cast<double>(ids.size());
        seen += static_cast<int64_t>(ids.size());
      }
      ++result.epochs;
      std::optional<double> val_loss;
      if (!data.val.empty()) {
        SIMCLR_ASSIGN_OR_RETURN(auto scored, CallTorch("validation", [&] {
                                  return Score(encoder, head, data.train,
                                               data.val, in);
                                }));
        val_loss = scored.first;
      }
      v1::JobEvent summary;
      auto* es = summary.mutable_epoch_summary();
      es->set_epoch(global_epoch);
      es->set_train_loss(seen > 0 ? train_loss / seen : 0);
      if (val_loss) es->set_val_loss(*val_loss);
      events.Emit(std::move(summary));
      if (val_loss && s.early_stopping) {
        stop = stopping.Observe(global_epoch, *val_loss);
        if (stopping.last_was_best() && s.restore_best) {
          best = Take(encoder, head);
        }
      }
    }
  }
  if (best) Restore(*best, encoder, head);
  std::vector<int64_t> all(static_cast<size_t>(data.test.size()));
  for (size_t i = 0; i < all.size(); ++i) all[i] = static_cast<int64_t>(i);
  SIMCLR_ASSIGN_OR_RETURN(auto scored, CallTorch("test", [&] {
                            return Score(encoder, head, data.test, all, in);
                          }));
  result.predicted = std::move(scored.second);
  int64_t correct = 0;
  for (size_t i = 0; i < all.size(); ++i)
    correct += result.predicted[i] == data.test.labels[i];
  result.top1 = static_cast<double>(correct) / static_cast<double>(all.size());
  return result;
}

// What the runs depend on: the finetune config and the seed (not the
// display name, device or thread count).
std::string Fingerprint(const v1::JobSpec& spec) {
  v1::JobSpec kept;
  kept.set_seed(spec.seed());
  *kept.mutable_finetune() = spec.finetune();
  std::string bytes;
  {
    google::protobuf::io::StringOutputStream stream(&bytes);
    google::protobuf::io::CodedOutputStream coded(&stream);
    coded.SetSerializationDeterministic(true);
    kept.SerializeToCodedStream(&coded);
  }
  return Sha256OfBytes(bytes);
}

}  // namespace

absl::Status RunFinetune(const v1::JobSpec& spec, const JobRun& run,
                         EventSink& events) {
  if (spec.kind_case() != v1::JobSpec::kFinetune) {
    return absl::InvalidArgumentError("spec: not a finetune job");
  }
  const auto start = Clock::now();
  const v1::FinetuneConfig& config = spec.finetune();
  SIMCLR_ASSIGN_OR_RETURN(const FinetuneSettings settings,
                          ResolveFinetuneSettings(config));
  const EvalProtocolSettings& protocol = settings.protocol;
  SIMCLR_ASSIGN_OR_RETURN(
      const EvalData data,
      LoadEvalData(config.data(), 0.1, run.spec_dir, "finetune.data"));
  SIMCLR_ASSIGN_OR_RETURN(
      const InputShape shape,
      ResolveEvalInput(config.input(), config.subjects(), data.train.height,
                       data.train.channels, run.spec_dir, "finetune"));
  std::vector<std::string> names;
  for (int i = 0; i < config.subjects_size(); ++i) {
    // Loads each subject once up front so a bad one fails before any work.
    SIMCLR_ASSIGN_OR_RETURN(
        LoadedSubject subject,
        LoadSubject(config.subjects(i), shape, spec.seed(), run.spec_dir,
                    absl::StrCat("finetune.subjects[", i, "]")));
    SIMCLR_RETURN_IF_ERROR(
        BuildClassifierHead(config.head(), subject.encoder->feature_dim,
                            data.train.num_classes(), "finetune.head")
            .status());
    names.push_back(subject.name);
  }
  SIMCLR_RETURN_IF_ERROR(CreateJobDir(run.job_dir));

  RunInputs in;
  in.data = &data;
  in.shape = &shape;
  in.settings = &settings;
  if (settings.augment) in.transform.emplace(*settings.augment, shape);
  in.device = run.device;
  in.stop = run.stop;

  v1::EvalReport report;
  report.set_classifier("finetune");
  for (const auto& n : names) report.add_subjects(n);
  for (const double f : protocol.label_fractions) report.add_label_fractions(f);
  report.set_repeats(protocol.repeats);
  report.set_train_examples(static_cast<int64_t>(data.pool.size()));
  report.set_val_examples(static_cast<int64_t>(data.val.size()));
  report.set_test_examples(data.test.size());
  report.set_seed(spec.seed());
  std::vector<int64_t> truth(data.test.labels.begin(), data.test.labels.end());

  SIMCLR_ASSIGN_OR_RETURN(
      FinishedRuns finished,
      FinishedRuns::Open(run.job_dir, Fingerprint(spec), run.resume));
  if (!finished.runs().empty()) {
    EmitLog(events, absl::StrCat("resuming: ", finished.runs().size(),
                                 " runs finished before, in ",
                                 finished.path()));
  }
  RunProgress progress(static_cast<int64_t>(protocol.label_fractions.size()) *
                           protocol.repeats * config.subjects_size(),
                       events);
  size_t run_index = 0;
  for (size_t f = 0; f < protocol.label_fractions.size(); ++f) {
    const double fraction = protocol.label_fractions[f];
    for (int si = 0; si < config.subjects_size(); ++si) {
      auto* cell = report.add_results();
      cell->set_classifier("finetune");
      cell->set_subject(names[static_cast<size_t>(si)]);
      cell->set_label_fraction(fraction);
      for (int r = 0; r < protocol.repeats; ++r, ++run_index) {
        if (run_index < finished.runs().size()) {
          const v1::EvalResult& done = finished.runs()[run_index];
          if (done.subject() != cell->subject() ||
              done.label_fraction() != fraction) {
            return absl::FailedPreconditionError(absl::StrCat(
                finished.path(), " line ", run_index + 2, ": run of ",
                done.subject(), " at ", done.label_fraction(),
                ", but this spec's run ", run_index + 1, " is ",
                cell->subject(), " at ", fraction,
                "; delete the file to rerun every run"));
          }
          AddRunToCell(done, *cell);
          progress.RunFinishedBefore(
              absl::StrFormat("%s at %g %% of the labels", done.subject(),
                              fraction * 100),
              done.top1_runs_size() > 0 ? done.top1_runs(0) : 0);
          continue;
        }
        const uint64_t seed = RunSeed(spec.seed(), static_cast<int>(f), r);
        SIMCLR_ASSIGN_OR_RETURN(
            const std::vector<int64_t> positions,
            LabelSubset(data.pool, data.train.labels, fraction, seed));
        std::vector<int64_t> train_ids;
        for (const int64_t p : positions)
          train_ids.push_back(data.pool[static_cast<size_t>(p)]);
        // A fresh encoder (random-init: this run's own weights) and head.
        SIMCLR_ASSIGN_OR_RETURN(
            LoadedSubject subject,
            LoadSubject(config.subjects(si), shape, seed, run.spec_dir,
                        absl::StrCat("finetune.subjects[", si, "]")));
        torch::manual_seed(seed);
        SIMCLR_ASSIGN_OR_RETURN(
            ClassifierHead head,
            BuildClassifierHead(config.head(), subject.encoder->feature_dim,
                                data.train.num_classes(), "finetune.head"));
        SIMCLR_ASSIGN_OR_RETURN(
            const RunResult result,
            FinetuneOnce(*subject.encoder, head, train_ids, seed, in, events));
        v1::EvalResult one;
        one.set_classifier("finetune");
        one.set_subject(cell->subject());
        one.set_label_fraction(fraction);
        one.add_top1_runs(result.top1);
        one.add_epochs_run(result.epochs);
        one.add_steps_run(result.steps);
        one.set_train_examples(static_cast<int64_t>(train_ids.size()));
        AddToConfusion(truth, result.predicted, data.train.class_names,
                       one.mutable_confusion());
        SIMCLR_RETURN_IF_ERROR(finished.Append(one));
        AddRunToCell(one, *cell);
        progress.RunDone(
            absl::StrFormat("%s at %g %% of the labels, %d epochs, %d steps",
                            subject.name, fraction * 100, result.epochs,
                            result.steps),
            result.top1);
      }
      SummariseRuns(*cell);
    }
  }
  report.set_seconds(
      std::chrono::duration<double>(Clock::now() - start).count());
  return WriteEvalReport(run.job_dir, report, events);
}

}  // namespace simclr::core
