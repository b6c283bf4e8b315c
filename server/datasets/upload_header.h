// The checks of an UploadHeader, before a byte of the upload is stored:
// INVALID_ARGUMENT naming the field (header.files[1].size_bytes, …),
// UNIMPLEMENTED for formats this server cannot import. The bounds are
// those documented in dataset.proto.
#ifndef SIMCLR_SERVER_DATASETS_UPLOAD_HEADER_H_
#define SIMCLR_SERVER_DATASETS_UPLOAD_HEADER_H_

#include <cstdint>

#include "absl/status/status.h"
#include "simclr/v1/dataset.pb.h"

namespace simclr::server {

inline constexpr int kMaxClassNames = 256;  // IDX labels are one byte

absl::Status CheckUploadHeader(const v1::UploadHeader& header, int64_t max_upload_bytes);

}  // namespace simclr::server

#endif  // SIMCLR_SERVER_DATASETS_UPLOAD_HEADER_H_
