// Writes a float32 matrix as a NumPy .npy file (format version 1.0), so
// features can be read with numpy.load anywhere.
#ifndef SIMCLR_CORE_COMMON_NPY_WRITER_H_
#define SIMCLR_CORE_COMMON_NPY_WRITER_H_

#include <cstdint>
#include <string>

#include "absl/status/status.h"

namespace simclr::core {

// `values` holds rows × cols floats, row-major. Written via a temporary
// file and a rename.
absl::Status WriteNpyFloat32(const std::string& path, const float* values,
                             int64_t rows, int64_t cols);

}  // namespace simclr::core

#endif  // SIMCLR_CORE_COMMON_NPY_WRITER_H_
