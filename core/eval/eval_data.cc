#include "core/eval/eval_data.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "core/common/status_macros.h"
#include "core/data/data_source.h"
#include "core/data/splits.h"

namespace simclr::core {

absl::StatusOr<EvalData> LoadEvalData(const v1::DataConfig& config,
                                      double default_val_fraction,
                                      const std::string& spec_dir,
                                      const std::string& field) {
  EvalData data;
  SIMCLR_ASSIGN_OR_RETURN(
      data.train,
      LoadDataSource(config.train(), config.max_corrupt_fraction(), spec_dir,
                     absl::StrCat(field, ".train")));
  if (!data.train.labelled()) {
    return absl::InvalidArgumentError(absl::StrCat(
        field, ".train: the images have no labels; evaluations need them"));
  }
  if (config.max_examples() < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, ".max_examples: must be ≥ 0"));
  }
  if (config.max_examples() > 0 && config.max_examples() < data.train.size()) {
    std::vector<int64_t> selected =
        ShuffledIndices(data.train.size(), config.split_seed());
    selected.resize(static_cast<size_t>(config.max_examples()));
    std::sort(selected.begin(), selected.end());
    data.train = Subset(data.train, selected);
  }
  const double val_fraction = config.has_val_fraction()
                                  ? config.val_fraction()
                                  : default_val_fraction;
  if (val_fraction < 0 || val_fraction > 0.5) {
    return absl::InvalidArgumentError(absl::StrCat(
        field, ".val_fraction: ", val_fraction, " is outside [0, 0.5]"));
  }
  const bool own_test = config.has_test();
  const double test_fraction =
      own_test ? 0 : (config.has_test_fraction() ? config.test_fraction() : 0.2);
  if (test_fraction < 0 || test_fraction > 0.5) {
    return absl::InvalidArgumentError(absl::StrCat(
        field, ".test_fraction: ", test_fraction, " is outside [0, 0.5]"));
  }
  SIMCLR_ASSIGN_OR_RETURN(
      SplitIndices split,
      SplitTrainValTest(data.train.size(), data.train.labels, val_fraction,
                        test_fraction, config.split_seed()));
  data.pool = std::move(split.train);
  data.val = std::move(split.val);
  if (own_test) {
    SIMCLR_ASSIGN_OR_RETURN(
        data.test,
        LoadDataSource(config.test(), config.max_corrupt_fraction(), spec_dir,
                       absl::StrCat(field, ".test")));
    if (!data.test.labelled()) {
      return absl::InvalidArgumentError(
          absl::StrCat(field, ".test: the images have no labels"));
    }
    if (data.test.num_classes() > data.train.num_classes()) {
      return absl::InvalidArgumentError(absl::StrCat(
          field, ".test: ", data.test.num_classes(), " classes, but train has ",
          data.train.num_classes()));
    }
    if (data.test.height != data.train.height ||
        data.test.channels != data.train.channels) {
      return absl::InvalidArgumentError(absl::StrCat(
          field, ".test: images are ", data.test.channels, "×",
          data.test.height, "×", data.test.width, ", train's ",
          data.train.channels, "×", data.train.height, "×", data.train.width));
    }
  } else {
    data.test = Subset(data.train, split.test);
  }
  if (data.pool.size() < 2 || data.test.size() == 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        field, ": ", data.pool.size(), " training and ", data.test.size(),
        " test images; need at least 2 and 1"));
  }
  return data;
}

}  // namespace simclr::core
