#include "server/jobs/artifacts.h"

#include <algorithm>
#include <filesystem>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "core/common/layout.h"
#include "core/common/sha256.h"
#include "core/common/utf8.h"

namespace simclr::server {
namespace {

namespace fs = std::filesystem;

// (kind, media type) by extension.
std::pair<const char*, const char*> Describe(const std::string& name) {
  static const std::vector<std::pair<const char*, std::pair<const char*, const char*>>> kTypes = {
      {".json", {"report", "application/json"}}, {".md", {"report", "text/markdown"}},
      {".html", {"report", "text/html"}},        {".png", {"image", "image/png"}},
      {".csv", {"table", "text/csv"}},           {".npy", {"features", "application/x-npy"}},
  };
  for (const auto& [extension, type] : kTypes) {
    if (absl::EndsWith(name, extension)) return type;
  }
  return {"other", "application/octet-stream"};
}

// Names and sizes, by name, before any hashing.
std::vector<std::pair<std::string, int64_t>> Files(const std::string& run_folder) {
  std::vector<std::pair<std::string, int64_t>> files;
  std::error_code error;
  for (const char* report : {core::layout::kReportJson, core::layout::kReportMarkdown,
                             "report.html"}) {
    const fs::path path = fs::path(run_folder) / report;
    if (fs::is_regular_file(fs::symlink_status(path, error))) {
      files.emplace_back(report, static_cast<int64_t>(fs::file_size(path, error)));
    }
  }
  const fs::path root = fs::path(run_folder) / core::layout::kArtifactsFolder;
  for (auto it = fs::recursive_directory_iterator(root, error);
       !error && it != fs::recursive_directory_iterator(); it.increment(error)) {
    if (files.size() >= static_cast<size_t>(kMaxArtifacts)) break;
    if (!it->is_regular_file() || it->is_symlink()) continue;
    files.emplace_back(fs::relative(it->path(), run_folder).string(),
                       static_cast<int64_t>(it->file_size(error)));
  }
  std::sort(files.begin(), files.end());
  return files;
}

}  // namespace

std::vector<v1::ArtifactFile> ListArtifacts(const std::string& run_folder) {
  std::vector<v1::ArtifactFile> artifacts;
  for (const auto& [name, size] : Files(run_folder)) {
    auto sha = core::Sha256OfFile((fs::path(run_folder) / name).string());
    if (!sha.ok()) continue;  // removed while listing
    v1::ArtifactFile& artifact = artifacts.emplace_back();
    artifact.set_name(core::SafeText(name, 4096));
    const auto [kind, media_type] = Describe(name);
    artifact.set_kind(kind);
    artifact.set_media_type(media_type);
    artifact.set_size_bytes(size);
    artifact.set_sha256(*sha);
  }
  return artifacts;
}

absl::StatusOr<CheckpointFileRef> FindArtifact(const std::string& run_folder,
                                               const std::string& job_id,
                                               const std::string& name) {
  for (const auto& [listed, size] : Files(run_folder)) {
    if (listed != name) continue;
    const std::string path = (fs::path(run_folder) / listed).string();
    auto sha = core::Sha256OfFile(path);
    if (!sha.ok()) break;
    return CheckpointFileRef{path, size, *sha};
  }
  return absl::NotFoundError(absl::StrCat(job_id, " has no artifact \"",
                                          core::SafeText(name, 256), "\" (see ListArtifacts)"));
}

}  // namespace simclr::server
