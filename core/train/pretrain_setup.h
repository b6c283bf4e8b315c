// Everything a pretraining run is built from, made once before the first
// step: its settings, data and split, encoder and head (loaded from the
// newest checkpoint on resume), optimiser, loaders and kNN bank.
#ifndef SIMCLR_CORE_TRAIN_PRETRAIN_SETUP_H_
#define SIMCLR_CORE_TRAIN_PRETRAIN_SETUP_H_

#include <cstdint>
#include <memory>
#include <vector>

#include "absl/status/status.h"
#include "core/augment/view_transform.h"
#include "core/common/event_sink.h"
#include "core/data/image_dataset.h"
#include "core/data/splits.h"
#include "core/data/two_view_loader.h"
#include "core/models/encoder.h"
#include "core/models/projection_head.h"
#include "core/runtime/job_run.h"
#include "core/spec/pretrain_settings.h"
#include "core/train/checkpoint.h"
#include "simclr/v1/job_spec.pb.h"
#include "torch/optim/optimizer.h"
#include "torch/script.h"

namespace simclr::core {

struct PretrainJob {
  PretrainSettings settings;
  ImageDataset dataset;
  SplitIndices split;
  InputShape shape;
  Encoder encoder;
  // What the training forward runs: encoder.module, or with synchronised
  // BatchNorm its twin (sync_twin.h), which shares its tensors.
  torch::jit::Module train_module;
  ProjectionHead head{nullptr};
  std::unique_ptr<torch::optim::Optimizer> optimizer;
  std::vector<torch::Tensor> parameters;  // encoder's, then the head's
  std::unique_ptr<TwoViewLoader> loader;
  std::unique_ptr<TwoViewLoader> val_loader;
  std::vector<int64_t> knn_bank;
};

// Builds `job`; on resume, `progress` is the newest checkpoint's. With
// several ranks (run.ranks), each loads only its shard of every batch, the
// chief alone keeps the validation and kNN data, and every rank starts
// from rank 0's weights (FAILED_PRECONDITION when the ranks resumed from
// different checkpoints).
absl::Status PreparePretrainJob(const v1::JobSpec& spec, const JobRun& run,
                                PretrainJob& job, TrainingProgress& progress,
                                EventSink& events);

}  // namespace simclr::core

#endif  // SIMCLR_CORE_TRAIN_PRETRAIN_SETUP_H_
