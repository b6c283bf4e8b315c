#include "core/common/atomic_file.h"

#include <filesystem>
#include <fstream>
#include <system_error>

#include "absl/strings/str_cat.h"

namespace simclr::core {

absl::Status WriteFileAtomically(const std::string& path,
                                 absl::string_view content) {
  const std::string temp = path + ".tmp";
  {
    std::ofstream out(temp, std::ios::binary | std::ios::trunc);
    if (!out.write(content.data(), static_cast<std::streamsize>(content.size()))
             .flush()) {
      return absl::DataLossError(absl::StrCat(temp, ": cannot write"));
    }
  }
  std::error_code error;
  std::filesystem::rename(temp, path, error);
  if (error) {
    return absl::DataLossError(
        absl::StrCat(path, ": cannot replace: ", error.message()));
  }
  return absl::OkStatus();
}

}  // namespace simclr::core
