// Writes matrices as NumPy .npy files (format version 1.0), so features can
// be read with numpy.load anywhere.
#ifndef SIMCLR_CORE_COMMON_NPY_WRITER_H_
#define SIMCLR_CORE_COMMON_NPY_WRITER_H_

#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace simclr::core {

// `values` holds rows × cols floats, row-major. Written via a temporary
// file and a rename.
absl::Status WriteNpyFloat32(const std::string& path, const float* values,
                             int64_t rows, int64_t cols);

// A vector of int64 (shape (n,)), written the same way.
absl::Status WriteNpyInt64(const std::string& path, const std::vector<int64_t>& values);

// A float32 rows × cols matrix written a block of rows at a time, so that a
// dataset's features never sit in memory whole: PATH.tmp until Finish
// renames it to PATH (after every row arrived and the file is synced).
class NpyFloat32Writer {
 public:
  static absl::StatusOr<NpyFloat32Writer> Create(const std::string& path, int64_t rows,
                                                 int64_t cols);
  // `values`: count × cols floats. INVALID_ARGUMENT past `rows`.
  absl::Status Append(const float* values, int64_t count);
  absl::Status Finish();

 private:
  struct Closer {
    void operator()(FILE* f) const { std::fclose(f); }
  };
  std::string path_;
  int64_t rows_ = 0, cols_ = 0, written_ = 0;
  std::unique_ptr<FILE, Closer> file_;
};

}  // namespace simclr::core

#endif  // SIMCLR_CORE_COMMON_NPY_WRITER_H_
