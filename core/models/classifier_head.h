// The classifier put on an encoder for fine-tuning: optional hidden layers
// (BN + ReLU, or swish as in the ancestor), dropout before each linear
// layer, and a last linear layer to the classes.
#ifndef SIMCLR_CORE_MODELS_CLASSIFIER_HEAD_H_
#define SIMCLR_CORE_MODELS_CLASSIFIER_HEAD_H_

#include <cstdint>
#include <vector>

#include "absl/status/statusor.h"
#include "simclr/v1/model.pb.h"
#include "torch/nn/module.h"
#include "torch/nn/modules/container/sequential.h"
#include "torch/nn/pimpl.h"

namespace simclr::core {

class ClassifierHeadImpl : public torch::nn::Module {
 public:
  ClassifierHeadImpl(int64_t in_features, const std::vector<int64_t>& hidden,
                     int64_t num_classes, bool relu_bn, double dropout);
  torch::Tensor forward(const torch::Tensor& x);

 private:
  torch::nn::Sequential layers_;
};
TORCH_MODULE(ClassifierHead);

// INVALID_ARGUMENT naming "<field>.hidden_widths" or "<field>.dropout".
absl::StatusOr<ClassifierHead> BuildClassifierHead(
    const v1::ClassifierHeadConfig& config, int64_t feature_dim,
    int64_t num_classes, const std::string& field);

}  // namespace simclr::core

#endif  // SIMCLR_CORE_MODELS_CLASSIFIER_HEAD_H_
