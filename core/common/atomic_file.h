// Writing a whole file so that readers see the old content or the new,
// never a half-written one (a temporary file, then a rename).
#ifndef SIMCLR_CORE_COMMON_ATOMIC_FILE_H_
#define SIMCLR_CORE_COMMON_ATOMIC_FILE_H_

#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace simclr::core {

// Writes `content` to `path` + ".tmp", fsyncs it and renames it over
// `path`, then fsyncs the folder (core/common/durable_publish.h).
// RESOURCE_EXHAUSTED when the
// disk is full (core/common/io_errors.h), DATA_LOSS when the rename fails;
// the temporary file never stays.
// `what` names the fault points ("<what>:synced", "<what>:renamed").
absl::Status WriteFileAtomically(const std::string& path, absl::string_view content,
                                 absl::string_view what = "file");

// Writes `content` to `path` (replacing it), every write checked; on
// failure the partial file is removed.
absl::Status WriteWholeFile(const std::string& path, absl::string_view content);

}  // namespace simclr::core

#endif  // SIMCLR_CORE_COMMON_ATOMIC_FILE_H_
