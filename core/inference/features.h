// Frozen-encoder features and the kNN classifier used to monitor
// pretraining (and later as an evaluation).
#ifndef SIMCLR_CORE_INFERENCE_FEATURES_H_
#define SIMCLR_CORE_INFERENCE_FEATURES_H_

#include <cstdint>
#include <vector>

#include "ATen/core/Tensor.h"
#include "c10/core/Device.h"
#include "core/augment/view_transform.h"
#include "core/data/image_dataset.h"
#include "torch/script.h"

namespace simclr::core {

// The eval-transform inputs (count, C, S, S) of `indices[0..count)`, on the
// CPU: what an encoder sees, and the raw-pixel features when flattened.
at::Tensor EvalInputs(const ImageDataset& dataset, const int64_t* indices,
                      int64_t count, const InputShape& shape);

// Features (N, D) on the CPU of `indices` of `dataset`, through the eval
// transform, in eval mode and without gradients, `batch_size` at a time.
// The module's training flag is restored afterwards.
at::Tensor ExtractFeatures(torch::jit::Module& encoder,
                           const ImageDataset& dataset,
                           const std::vector<int64_t>& indices,
                           const InputShape& shape, int64_t batch_size,
                           c10::Device device);

// Weighted kNN top-1 (Wu et al. 2018): cosine similarity to the bank, the
// k nearest vote with weight exp(similarity / temperature). Labels are
// int64 tensors in [0, num_classes).
double KnnTop1(const at::Tensor& bank_features, const at::Tensor& bank_labels,
               const at::Tensor& query_features, const at::Tensor& query_labels,
               int64_t k, int64_t num_classes, double temperature = 0.1);

}  // namespace simclr::core

#endif  // SIMCLR_CORE_INFERENCE_FEATURES_H_
