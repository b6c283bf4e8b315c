// Checks of the data a job reads and the input its encoder takes
// (data.proto). Torch-free. Whether a dataset id exists, or a local file may
// be read, is the server's business (it knows the store and the path
// policy); these check what the spec alone decides.
#ifndef SIMCLR_CORE_SPEC_DATA_CHECKS_H_
#define SIMCLR_CORE_SPEC_DATA_CHECKS_H_

#include <string>

#include "absl/status/status.h"
#include "simclr/v1/data.pb.h"

namespace simclr::core {

// Limits of the strings a data source names.
inline constexpr size_t kMaxPathChars = 4096;
inline constexpr size_t kMaxIdChars = 128;

// `field` is the config's path, e.g. "pretrain.data".
absl::Status ValidateDataConfig(const v1::DataConfig& data,
                                const std::string& field);
absl::Status ValidateDataSource(const v1::DataSource& source,
                                const std::string& field, bool required);
absl::Status ValidateInputSpec(const v1::InputSpec& input,
                               const std::string& field);

}  // namespace simclr::core

#endif  // SIMCLR_CORE_SPEC_DATA_CHECKS_H_
