#include "core/common/atomic_file.h"

#include <cerrno>
#include <filesystem>
#include <fstream>
#include <system_error>

#include "absl/strings/str_cat.h"
#include "core/common/durable_publish.h"
#include "core/common/io_errors.h"

namespace simclr::core {

absl::Status WriteWholeFile(const std::string& path, absl::string_view content) {
  errno = 0;
  bool written = false;
  {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    written = static_cast<bool>(
        out.write(content.data(), static_cast<std::streamsize>(content.size())).flush());
    out.close();
    written = written && !out.fail();
  }
  if (written) return absl::OkStatus();
  const int error_number = errno;
  std::error_code ignored;
  std::filesystem::remove(path, ignored);
  return WriteError(absl::StrCat(path, ": cannot write"), error_number);
}

absl::Status WriteFileAtomically(const std::string& path, absl::string_view content,
                                 absl::string_view what) {
  const std::string temp = path + ".tmp";
  if (auto status = WriteWholeFile(temp, content); !status.ok()) return status;
  absl::Status published = PublishFile(temp, path, what);
  if (!published.ok()) {
    std::error_code ignored;
    std::filesystem::remove(temp, ignored);
  }
  return published;
}

}  // namespace simclr::core
