#include "core/common/durable_publish.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "absl/strings/str_cat.h"
#include "core/common/fault_point.h"
#include "core/common/io_errors.h"

namespace simclr::core {
namespace {

namespace fs = std::filesystem;

absl::Status Rename(const std::string& from, const std::string& to) {
  std::error_code error;
  fs::rename(from, to, error);
  if (error) {
    return absl::DataLossError(absl::StrCat(to, ": cannot move into place: ", error.message()));
  }
  return absl::OkStatus();
}

std::string Parent(const std::string& path) {
  const fs::path parent = fs::path(path).parent_path();
  return parent.empty() ? "." : parent.string();
}

}  // namespace

absl::Status SyncPath(const std::string& path) {
  const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return absl::DataLossError(absl::StrCat(path, ": cannot open to sync: ",
                                                      std::strerror(errno)));
  errno = 0;
  const bool synced = fsync(fd) == 0;
  const int error_number = errno;
  close(fd);
  if (!synced) return WriteError(absl::StrCat(path, ": cannot sync"), error_number);
  return absl::OkStatus();
}

absl::Status SyncTree(const std::string& dir) {
  std::error_code error;
  for (const auto& entry : fs::recursive_directory_iterator(dir, error)) {
    if (entry.is_symlink()) continue;
    if (auto status = SyncPath(entry.path().string()); !status.ok()) return status;
  }
  if (error) return absl::DataLossError(absl::StrCat(dir, ": cannot list: ", error.message()));
  return SyncPath(dir);
}

absl::Status PublishFolder(const std::string& from, const std::string& to,
                           absl::string_view what) {
  if (auto status = SyncTree(from); !status.ok()) return status;
  FaultPoint(absl::StrCat(what, ":synced"));
  if (auto status = Rename(from, to); !status.ok()) return status;
  FaultPoint(absl::StrCat(what, ":renamed"));
  return SyncPath(Parent(to));
}

absl::Status PublishFile(const std::string& from, const std::string& to,
                         absl::string_view what) {
  if (auto status = SyncPath(from); !status.ok()) return status;
  FaultPoint(absl::StrCat(what, ":synced"));
  if (auto status = Rename(from, to); !status.ok()) return status;
  FaultPoint(absl::StrCat(what, ":renamed"));
  return SyncPath(Parent(to));
}

}  // namespace simclr::core
