// Reads the images a DataSource names into an ImageDataset.
//
// Local sources dispatch on their format to the IDX or image-file readers.
// Uploaded datasets (dataset_id) live in simclrd's store, which resolves
// them before a worker starts; a worker that meets one gets
// FAILED_PRECONDITION. Relative paths are taken from `base_dir` (the job
// file's folder).
#ifndef SIMCLR_CORE_DATA_DATA_SOURCE_H_
#define SIMCLR_CORE_DATA_DATA_SOURCE_H_

#include <string>

#include "absl/status/statusor.h"
#include "core/data/image_dataset.h"
#include "simclr/v1/data.pb.h"

namespace simclr::core {

// `path` taken from `base_dir` unless it is absolute (or either is empty).
std::string ResolvePath(const std::string& path, const std::string& base_dir);

// `field` names the source in errors, e.g. "pretrain.data.train".
absl::StatusOr<ImageDataset> LoadDataSource(const v1::DataSource& source,
                                            double max_corrupt_fraction,
                                            const std::string& base_dir,
                                            const std::string& field);

}  // namespace simclr::core

#endif  // SIMCLR_CORE_DATA_DATA_SOURCE_H_
