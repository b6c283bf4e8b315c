#include "core/common/artifact_files.h"

#include <filesystem>
#include <utility>

#include "absl/strings/match.h"
#include "core/common/atomic_file.h"

namespace simclr::core {

namespace fs = std::filesystem;

ArtifactType ArtifactTypeOf(absl::string_view name) {
  static constexpr std::pair<const char*, ArtifactType> kTypes[] = {
      {".json", {"report", "application/json"}}, {".md", {"report", "text/markdown"}},
      {".html", {"report", "text/html"}},        {".png", {"image", "image/png"}},
      {".csv", {"table", "text/csv"}},           {".npy", {"features", "application/x-npy"}},
  };
  for (const auto& [extension, type] : kTypes) {
    if (absl::EndsWith(name, extension)) return type;
  }
  return {"other", "application/octet-stream"};
}

void EmitArtifact(const std::string& run_folder, const std::string& path, EventSink& events) {
  std::error_code error;
  v1::JobEvent event;
  auto* artifact = event.mutable_artifact();
  artifact->set_path(fs::relative(path, run_folder, error).string());
  artifact->set_media_type(ArtifactTypeOf(path).media_type);
  artifact->set_size_bytes(static_cast<int64_t>(fs::file_size(path, error)));
  events.Emit(std::move(event));
}

absl::Status WriteArtifact(const std::string& run_folder, const std::string& path,
                           absl::string_view content, EventSink& events) {
  if (auto s = WriteFileAtomically(path, content); !s.ok()) return s;
  EmitArtifact(run_folder, path, events);
  return absl::OkStatus();
}

}  // namespace simclr::core
