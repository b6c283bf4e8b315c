#include "core/data/data_source.h"

#include <filesystem>

#include "absl/strings/str_cat.h"
#include "core/data/idx_reader.h"
#include "core/data/image_files_reader.h"

namespace simclr::core {

std::string ResolvePath(const std::string& path, const std::string& base_dir) {
  if (path.empty() || base_dir.empty() ||
      std::filesystem::path(path).is_absolute()) {
    return path;
  }
  return (std::filesystem::path(base_dir) / path).string();
}

absl::StatusOr<ImageDataset> LoadDataSource(const v1::DataSource& source,
                                            double max_corrupt_fraction,
                                            const std::string& base_dir,
                                            const std::string& field) {
  if (source.source_case() == v1::DataSource::kDatasetId) {
    return absl::FailedPreconditionError(absl::StrCat(
        field, ".dataset_id \"", source.dataset_id(),
        "\": uploaded datasets are resolved by simclrd; a standalone worker "
        "needs a local source"));
  }
  if (source.source_case() != v1::DataSource::kLocal) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, ": set dataset_id or local"));
  }
  const v1::LocalDataset& local = source.local();
  if (local.path().empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, ".local.path: required"));
  }
  const std::string path = ResolvePath(local.path(), base_dir);
  ImageFilesOptions options;
  options.max_corrupt_fraction = max_corrupt_fraction;
  switch (local.format()) {
    case v1::DATASET_FORMAT_IDX: {
      IdxReadOptions idx;
      idx.class_names.assign(local.class_names().begin(),
                             local.class_names().end());
      return ReadIdxDataset(path, ResolvePath(local.labels_path(), base_dir), idx);
    }
    case v1::DATASET_FORMAT_IMAGE_FOLDER:
      return ReadImageFolder(path, options);
    case v1::DATASET_FORMAT_UNLABELED_FOLDER:
      return ReadUnlabeledFolder(path, options);
    case v1::DATASET_FORMAT_CSV_MANIFEST:
      return ReadCsvManifest(path, options);
    default:
      return absl::InvalidArgumentError(
          absl::StrCat(field, ".local.format: required"));
  }
}

}  // namespace simclr::core
