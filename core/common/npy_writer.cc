#include "core/common/npy_writer.h"

#include <unistd.h>

#include <cstdio>

#include "absl/strings/str_cat.h"
#include "core/common/atomic_file.h"

namespace simclr::core {
namespace {

// Magic, version 1.0, header length and the header dict, padded with
// spaces to a multiple of 64 bytes and ending in a newline.
std::string Header(const char* descr, const std::string& shape) {
  std::string dict = absl::StrCat("{'descr': '", descr, "', 'fortran_order': False, 'shape': ",
                                  shape, ", }");
  const size_t unpadded = 10 + dict.size() + 1;
  dict.append((64 - unpadded % 64) % 64, ' ');
  dict.push_back('\n');
  const auto length = static_cast<uint16_t>(dict.size());
  std::string out("\x93NUMPY\x01\x00", 8);
  out.push_back(static_cast<char>(length & 0xff));
  out.push_back(static_cast<char>(length >> 8));
  return out + dict;
}

}  // namespace

absl::Status WriteNpyFloat32(const std::string& path, const float* values,
                             int64_t rows, int64_t cols) {
  std::string bytes = Header("<f4", absl::StrCat("(", rows, ", ", cols, ")"));
  bytes.append(reinterpret_cast<const char*>(values),
               static_cast<size_t>(rows * cols) * sizeof(float));
  return WriteFileAtomically(path, bytes, "features");
}

absl::Status WriteNpyInt64(const std::string& path, const std::vector<int64_t>& values) {
  std::string bytes = Header("<i8", absl::StrCat("(", values.size(), ",)"));
  bytes.append(reinterpret_cast<const char*>(values.data()), values.size() * sizeof(int64_t));
  return WriteFileAtomically(path, bytes, "array");
}

absl::StatusOr<NpyFloat32Writer> NpyFloat32Writer::Create(const std::string& path,
                                                          int64_t rows, int64_t cols) {
  NpyFloat32Writer writer;
  writer.path_ = path;
  writer.rows_ = rows;
  writer.cols_ = cols;
  writer.file_.reset(std::fopen((path + ".tmp").c_str(), "wb"));
  if (!writer.file_) return absl::DataLossError(absl::StrCat(path, ".tmp: cannot create"));
  const std::string header = Header("<f4", absl::StrCat("(", rows, ", ", cols, ")"));
  if (std::fwrite(header.data(), 1, header.size(), writer.file_.get()) != header.size()) {
    return absl::DataLossError(absl::StrCat(path, ".tmp: write failed"));
  }
  return writer;
}

absl::Status NpyFloat32Writer::Append(const float* values, int64_t count) {
  if (count < 0 || written_ + count > rows_) {
    return absl::InvalidArgumentError(
        absl::StrCat(path_, ": ", written_ + count, " rows for a file of ", rows_));
  }
  const auto n = static_cast<size_t>(count * cols_);
  if (std::fwrite(values, sizeof(float), n, file_.get()) != n) {
    return absl::DataLossError(absl::StrCat(path_, ".tmp: write failed"));
  }
  written_ += count;
  return absl::OkStatus();
}

absl::Status NpyFloat32Writer::Finish() {
  if (written_ != rows_) {
    return absl::FailedPreconditionError(
        absl::StrCat(path_, ": ", written_, " of ", rows_, " rows written"));
  }
  if (std::fflush(file_.get()) != 0 || fsync(fileno(file_.get())) != 0) {
    return absl::DataLossError(absl::StrCat(path_, ".tmp: cannot sync"));
  }
  file_.reset();
  if (std::rename((path_ + ".tmp").c_str(), path_.c_str()) != 0) {
    return absl::DataLossError(absl::StrCat(path_, ": rename failed"));
  }
  return absl::OkStatus();
}

}  // namespace simclr::core
