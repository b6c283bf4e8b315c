#include "server/jobs/artifacts.h"

#include <algorithm>
#include <filesystem>
#include <unordered_map>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "core/common/artifact_files.h"
#include "core/common/layout.h"
#include "core/common/sha256.h"
#include "core/common/utf8.h"

namespace simclr::server {
namespace {

namespace fs = std::filesystem;

// Names and sizes, by name, before any hashing.
std::vector<std::pair<std::string, int64_t>> Files(const std::string& run_folder) {
  std::vector<std::pair<std::string, int64_t>> files;
  std::error_code error;
  for (const char* report : {core::layout::kReportJson, core::layout::kReportMarkdown,
                             core::layout::kReportHtml}) {
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

// SHA-256 of a file, remembered by (path, size, modification time): a
// listing hashes only what changed since the last one. The worker replaces
// a file by rename, which gives it a new mtime.
absl::StatusOr<std::string> CachedSha256(const std::string& path, int64_t size) {
  struct Entry {
    int64_t size;
    fs::file_time_type mtime;
    std::string sha;
  };
  static absl::Mutex mu(absl::kConstInit);
  static auto* cache = new std::unordered_map<std::string, Entry>();  // under mu
  std::error_code error;
  const fs::file_time_type mtime = fs::last_write_time(path, error);
  if (error) return absl::NotFoundError(path);
  {
    absl::MutexLock lock(&mu);
    auto it = cache->find(path);
    if (it != cache->end() && it->second.size == size && it->second.mtime == mtime) {
      return it->second.sha;
    }
  }
  auto sha = core::Sha256OfFile(path);
  if (!sha.ok()) return sha.status();
  absl::MutexLock lock(&mu);
  if (cache->size() >= 100000) cache->clear();  // bounded: forget, never grow
  (*cache)[path] = Entry{size, mtime, *sha};
  return sha;
}

}  // namespace

std::vector<v1::ArtifactFile> ListArtifacts(const std::string& run_folder) {
  std::vector<v1::ArtifactFile> artifacts;
  for (const auto& [name, size] : Files(run_folder)) {
    auto sha = CachedSha256((fs::path(run_folder) / name).string(), size);
    if (!sha.ok()) continue;  // removed while listing
    v1::ArtifactFile& artifact = artifacts.emplace_back();
    artifact.set_name(core::SafeText(name, 4096));
    const core::ArtifactType type = core::ArtifactTypeOf(name);
    artifact.set_kind(type.kind);
    artifact.set_media_type(type.media_type);
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
    auto sha = CachedSha256(path, size);
    if (!sha.ok()) break;
    return CheckpointFileRef{path, size, *sha};
  }
  return absl::NotFoundError(absl::StrCat(job_id, " has no artifact \"",
                                          core::SafeText(name, 256), "\" (see ListArtifacts)"));
}

}  // namespace simclr::server
