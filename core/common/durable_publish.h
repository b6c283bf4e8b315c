// Making what is published by a rename survive a power cut, as SQLite does
// for its journal: the new files and their folder are fsynced before the
// rename, and the parent folder after it, so that after a crash a reader
// sees the old state or the whole new one, never a name pointing at data
// the disk never got.
//
// Each step is a fault point (core/common/fault_point.h) named
// "<what>:<step>", so a test can stop the process between any two.
#ifndef SIMCLR_CORE_COMMON_DURABLE_PUBLISH_H_
#define SIMCLR_CORE_COMMON_DURABLE_PUBLISH_H_

#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace simclr::core {

// fsync of one file or folder.
absl::Status SyncPath(const std::string& path);
// Every file and folder under `dir`, then `dir` itself.
absl::Status SyncTree(const std::string& dir);

// Folder `from` becomes `to` (which must not exist): SyncTree(from),
// rename, fsync of to's parent. Fault points "<what>:synced" (before the
// rename) and "<what>:renamed" (before the parent's fsync).
absl::Status PublishFolder(const std::string& from, const std::string& to,
                           absl::string_view what);
// File `from` replaces `to` the same way.
absl::Status PublishFile(const std::string& from, const std::string& to,
                         absl::string_view what);

}  // namespace simclr::core

#endif  // SIMCLR_CORE_COMMON_DURABLE_PUBLISH_H_
