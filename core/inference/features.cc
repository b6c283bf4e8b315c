#include "core/inference/features.h"

#include <algorithm>

#include "torch/torch.h"

namespace simclr::core {

at::Tensor EvalInputs(const ImageDataset& dataset, const int64_t* indices,
                      int64_t count, const InputShape& shape) {
  at::Tensor batch =
      torch::empty({count, shape.channels, shape.size, shape.size});
  float* out = batch.data_ptr<float>();
  for (int64_t i = 0; i < count; ++i) {
    const int64_t index = indices[i];
    EvalTransform({dataset.image(index), dataset.height, dataset.width,
                   dataset.channels},
                  shape, out + i * shape.values());
  }
  return batch;
}

at::Tensor ExtractFeatures(torch::jit::Module& encoder,
                           const ImageDataset& dataset,
                           const std::vector<int64_t>& indices,
                           const InputShape& shape, int64_t batch_size,
                           c10::Device device) {
  torch::NoGradGuard no_grad;
  const bool was_training = encoder.is_training();
  encoder.eval();
  std::vector<at::Tensor> parts;
  const auto n = static_cast<int64_t>(indices.size());
  for (int64_t begin = 0; begin < n; begin += batch_size) {
    const int64_t size = std::min(batch_size, n - begin);
    const at::Tensor batch =
        EvalInputs(dataset, indices.data() + begin, size, shape);
    parts.push_back(
        encoder.forward({batch.to(device)}).toTensor().to(torch::kCPU));
  }
  encoder.train(was_training);
  return parts.empty() ? torch::empty({0, 0}) : torch::cat(parts);
}

double KnnTop1(const at::Tensor& bank_features, const at::Tensor& bank_labels,
               const at::Tensor& query_features, const at::Tensor& query_labels,
               int64_t k, int64_t num_classes, double temperature) {
  torch::NoGradGuard no_grad;
  namespace F = torch::nn::functional;
  const auto options = F::NormalizeFuncOptions().dim(1);
  const at::Tensor bank =
      F::normalize(bank_features.to(torch::kFloat), options);
  const at::Tensor queries =
      F::normalize(query_features.to(torch::kFloat), options);
  const int64_t neighbours = std::min<int64_t>(k, bank.size(0));
  int64_t correct = 0;
  // Chunks of queries bound the similarity matrix's memory.
  for (int64_t begin = 0; begin < queries.size(0); begin += 1024) {
    const at::Tensor chunk = queries.slice(0, begin, begin + 1024);
    const auto [similarity, index] =
        torch::matmul(chunk, bank.t()).topk(neighbours, 1);
    const at::Tensor votes =
        torch::zeros({chunk.size(0), num_classes})
            .scatter_add_(
                1, bank_labels.index_select(0, index.flatten()).view_as(index),
                (similarity / temperature).exp());
    correct += votes.argmax(1)
                   .eq(query_labels.slice(0, begin, begin + 1024))
                   .sum()
                   .item<int64_t>();
  }
  return queries.size(0) == 0 ? 0.0
                              : static_cast<double>(correct) /
                                    static_cast<double>(queries.size(0));
}

}  // namespace simclr::core
