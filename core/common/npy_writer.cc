#include "core/common/npy_writer.h"

#include <cstdio>
#include <fstream>

#include "absl/strings/str_cat.h"

namespace simclr::core {

absl::Status WriteNpyFloat32(const std::string& path, const float* values,
                             int64_t rows, int64_t cols) {
  std::string header = absl::StrCat(
      "{'descr': '<f4', 'fortran_order': False, "
      "'shape': (",
      rows, ", ", cols, "), }");
  // Magic (6) + version (2) + length (2) + header, padded to 64 bytes with
  // spaces and ending in a newline.
  const size_t unpadded = 10 + header.size() + 1;
  header.append((64 - unpadded % 64) % 64, ' ');
  header.push_back('\n');
  const std::string temp = path + ".tmp";
  {
    std::ofstream out(temp, std::ios::binary);
    out.write("\x93NUMPY\x01\x00", 8);
    const uint16_t length = static_cast<uint16_t>(header.size());
    const char length_bytes[2] = {static_cast<char>(length & 0xff),
                                  static_cast<char>(length >> 8)};
    out.write(length_bytes, 2);
    out << header;
    out.write(reinterpret_cast<const char*>(values),
              static_cast<std::streamsize>(rows * cols * sizeof(float)));
    if (!out) return absl::DataLossError(absl::StrCat(temp, ": write failed"));
  }
  if (std::rename(temp.c_str(), path.c_str()) != 0) {
    return absl::DataLossError(absl::StrCat(path, ": rename failed"));
  }
  return absl::OkStatus();
}

}  // namespace simclr::core
