// The data of an evaluation job: labelled training images split into the
// pool classifiers train on and a validation slice (early stopping), plus
// the test images every run is scored on — the `test` source, or a
// stratified share of `train` when there is none.
#ifndef SIMCLR_CORE_EVAL_EVAL_DATA_H_
#define SIMCLR_CORE_EVAL_EVAL_DATA_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "core/data/image_dataset.h"
#include "simclr/v1/data.pb.h"
#include "simclr/v1/job_spec.pb.h"

namespace simclr::core {

struct EvalData {
  ImageDataset train;            // the train source (after max_examples)
  std::vector<int64_t> pool;     // indices into train for classifiers
  std::vector<int64_t> val;      // indices into train for early stopping
  ImageDataset test;             // every image is scored
};

// `field` names the config, e.g. "linear_eval.data". Needs labels on both
// sides and the same classes; INVALID_ARGUMENT naming the field otherwise.
absl::StatusOr<EvalData> LoadEvalData(const v1::DataConfig& config,
                                      double default_val_fraction,
                                      const std::string& spec_dir,
                                      const std::string& field);

}  // namespace simclr::core

#endif  // SIMCLR_CORE_EVAL_EVAL_DATA_H_
