// A job's artifacts as files: what kind and media type a name has, and the
// Artifact event that announces one. The worker writes and announces them;
// simclrd lists and serves them (server/jobs/artifacts.h) with the same
// types. Torch-free.
#ifndef SIMCLR_CORE_COMMON_ARTIFACT_FILES_H_
#define SIMCLR_CORE_COMMON_ARTIFACT_FILES_H_

#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "core/common/event_sink.h"

namespace simclr::core {

struct ArtifactType {
  // "report" (.json, .md, .html), "image" (.png), "table" (.csv),
  // "features" (.npy) or "other".
  const char* kind;
  // IANA media type, e.g. "image/png".
  const char* media_type;
};

// By the name's extension.
ArtifactType ArtifactTypeOf(absl::string_view name);

// Emits an Artifact event for the existing file `path`, named relative to
// `run_folder`, typed by its extension.
void EmitArtifact(const std::string& run_folder, const std::string& path, EventSink& events);

// Writes `content` to `path` atomically, then emits its Artifact event.
absl::Status WriteArtifact(const std::string& run_folder, const std::string& path,
                           absl::string_view content, EventSink& events);

}  // namespace simclr::core

#endif  // SIMCLR_CORE_COMMON_ARTIFACT_FILES_H_
