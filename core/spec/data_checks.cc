#include "core/spec/data_checks.h"

#include "absl/strings/str_cat.h"
#include "core/common/field_error.h"
#include "core/common/status_macros.h"
#include "core/spec/checks.h"

namespace simclr::core {
namespace {

absl::Status ValidateLocal(const v1::LocalDataset& local,
                           const std::string& field) {
  SIMCLR_RETURN_IF_ERROR(CheckEnum(Sub(field, "format"), local.format(),
                                   v1::DatasetFormat_IsValid,
                                   /*allow_zero=*/false));
  if (local.path().empty()) return FieldError(Sub(field, "path"), "empty");
  SIMCLR_RETURN_IF_ERROR(
      CheckLength(Sub(field, "path"), local.path(), kMaxPathChars));
  SIMCLR_RETURN_IF_ERROR(CheckLength(Sub(field, "labels_path"),
                                     local.labels_path(), kMaxPathChars));
  const std::string names = Sub(field, "class_names");
  SIMCLR_RETURN_IF_ERROR(CheckCount(names, local.class_names_size(), 0, 10000));
  for (int i = 0; i < local.class_names_size(); ++i) {
    SIMCLR_RETURN_IF_ERROR(CheckLength(Item(names, i), local.class_names(i), 128));
  }
  return absl::OkStatus();
}

// Per-channel normalisation: at most 3 values, as many as `channels` when
// that is set, each inside `range`.
absl::Status ValidateChannelValues(
    const google::protobuf::RepeatedField<float>& values, int channels,
    Interval range, const std::string& field) {
  SIMCLR_RETURN_IF_ERROR(CheckCount(field, values.size(), 0, 3));
  if (!values.empty() && channels != 0 && values.size() != channels) {
    return FieldError(field, absl::StrCat(values.size(), " values for ",
                                          channels, " channels"));
  }
  for (int i = 0; i < values.size(); ++i) {
    SIMCLR_RETURN_IF_ERROR(CheckInterval(Item(field, i), values[i], range));
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status ValidateDataSource(const v1::DataSource& source,
                                const std::string& field, bool required) {
  switch (source.source_case()) {
    case v1::DataSource::SOURCE_NOT_SET:
      return required ? FieldError(field, "no dataset given") : absl::OkStatus();
    case v1::DataSource::kDatasetId:
      if (source.dataset_id().empty()) {
        return FieldError(Sub(field, "dataset_id"), "empty");
      }
      return CheckLength(Sub(field, "dataset_id"), source.dataset_id(),
                         kMaxIdChars);
    case v1::DataSource::kLocal:
      return ValidateLocal(source.local(), Sub(field, "local"));
  }
  return absl::OkStatus();
}

absl::Status ValidateDataConfig(const v1::DataConfig& data,
                                const std::string& field) {
  SIMCLR_RETURN_IF_ERROR(
      ValidateDataSource(data.train(), Sub(field, "train"), true));
  SIMCLR_RETURN_IF_ERROR(
      ValidateDataSource(data.test(), Sub(field, "test"), false));
  if (data.has_val_fraction()) {
    SIMCLR_RETURN_IF_ERROR(CheckInterval(Sub(field, "val_fraction"),
                                         data.val_fraction(), {0, 0.5}));
  }
  if (data.has_test_fraction()) {
    SIMCLR_RETURN_IF_ERROR(CheckInterval(Sub(field, "test_fraction"),
                                         data.test_fraction(), {0, 0.5}));
  }
  SIMCLR_RETURN_IF_ERROR(CheckInt(Sub(field, "max_examples"),
                                  data.max_examples(), 0, INT64_MAX));
  SIMCLR_RETURN_IF_ERROR(
      CheckInt(Sub(field, "loader_threads"), data.loader_threads(), 0, 64));
  if (data.has_prefetch_batches()) {
    SIMCLR_RETURN_IF_ERROR(CheckInt(Sub(field, "prefetch_batches"),
                                    data.prefetch_batches(), 1, 64));
  }
  return CheckInterval(Sub(field, "max_corrupt_fraction"),
                       data.max_corrupt_fraction(), {0, 0.5});
}

absl::Status ValidateInputSpec(const v1::InputSpec& input,
                               const std::string& field) {
  if (input.size() != 0) {
    SIMCLR_RETURN_IF_ERROR(CheckInt(Sub(field, "size"), input.size(), 8, 1024));
  }
  if (input.channels() != 0 && input.channels() != 1 && input.channels() != 3) {
    return FieldError(Sub(field, "channels"),
                      absl::StrCat(input.channels(), " is not one of {0, 1, 3}"));
  }
  SIMCLR_RETURN_IF_ERROR(ValidateChannelValues(input.mean(), input.channels(),
                                               {0, 1}, Sub(field, "mean")));
  return ValidateChannelValues(input.std(), input.channels(), {0, 10, true},
                               Sub(field, "std"));
}

}  // namespace simclr::core
