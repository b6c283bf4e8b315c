#include "server/checkpoints/checkpoint_catalog.h"

#include <sys/stat.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "core/common/layout.h"
#include "core/common/sha256.h"
#include "core/common/status_macros.h"
#include "core/common/utf8.h"
#include "google/protobuf/util/json_util.h"
#include "google/protobuf/util/time_util.h"
#include "server/common/not_found.h"

namespace simclr::server {
namespace {

namespace fs = std::filesystem;
namespace layout = core::layout;

using layout::CheckpointId;

}  // namespace

std::string CheckpointCatalog::RunFolder(const std::string& job_id) const {
  return layout::RunFolder(layout::JobFolder(data_dir_, job_id));
}

std::string CheckpointCatalog::CheckpointsDir(const std::string& job_id) const {
  return layout::CheckpointsFolder(RunFolder(job_id));
}

absl::StatusOr<v1::Checkpoint> CheckpointCatalog::Read(const std::string& job_id,
                                                       int64_t step) const {
  const std::string dir = layout::CheckpointFolder(RunFolder(job_id), step);
  const std::string meta_path = absl::StrCat(dir, "/", layout::kMetaFile);
  std::ifstream in(meta_path);
  if (!in) {
    return CheckpointNotFound(CheckpointId(job_id, step));
  }
  std::stringstream text;
  text << in.rdbuf();
  v1::Checkpoint checkpoint;
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = true;
  if (!google::protobuf::util::JsonStringToMessage(text.str(), &checkpoint, options)
           .ok()) {
    return absl::DataLossError(absl::StrCat(meta_path, " does not parse"));
  }
  checkpoint.set_id(CheckpointId(job_id, step));
  checkpoint.set_job_id(job_id);
  checkpoint.set_step(step);
  struct stat info;
  if (stat(meta_path.c_str(), &info) == 0) {
    *checkpoint.mutable_create_time() =
        google::protobuf::util::TimeUtil::TimeTToTimestamp(info.st_mtime);
  }
  std::error_code error;
  const fs::path best =
      fs::read_symlink(layout::CheckpointLink(RunFolder(job_id), layout::kBestLink), error);
  checkpoint.set_is_best(!error && best.filename() == std::to_string(step));
  // meta.json itself, described as it is now.
  v1::CheckpointFile* meta = checkpoint.add_files();
  meta->set_name(layout::kMetaFile);
  meta->set_size_bytes(static_cast<int64_t>(text.str().size()));
  meta->set_sha256(core::Sha256OfBytes(text.str()));
  return checkpoint;
}

absl::StatusOr<std::vector<v1::Checkpoint>> CheckpointCatalog::ListForJob(
    const std::string& job_id) const {
  std::vector<int64_t> steps;
  std::error_code error;
  for (const auto& entry : fs::directory_iterator(CheckpointsDir(job_id), error)) {
    int64_t step = 0;
    if (!entry.is_symlink() && entry.is_directory() &&
        absl::SimpleAtoi(entry.path().filename().string(), &step)) {
      steps.push_back(step);
    }
  }
  std::sort(steps.rbegin(), steps.rend());
  std::vector<v1::Checkpoint> checkpoints;
  for (const int64_t step : steps) {
    auto checkpoint = Read(job_id, step);
    // A folder without meta.json is being written or pruned right now.
    if (checkpoint.ok()) checkpoints.push_back(*std::move(checkpoint));
  }
  return checkpoints;
}

absl::StatusOr<std::string> CheckpointCatalog::LatestId(const std::string& job_id) const {
  if (!layout::IsJobId(job_id)) {
    return absl::InvalidArgumentError(
        absl::StrCat("job_id: \"", job_id, "\" is not a job id (job-<hex>)"));
  }
  const std::string dir = CheckpointsDir(job_id);
  std::error_code error;
  if (!fs::exists(layout::JobFolder(data_dir_, job_id), error)) {
    return JobNotFound(job_id);
  }
  std::vector<int64_t> steps;
  for (const auto& entry : fs::directory_iterator(dir, error)) {
    int64_t step = 0;
    if (!entry.is_symlink() && entry.is_directory() &&
        absl::SimpleAtoi(entry.path().filename().string(), &step)) {
      steps.push_back(step);
    }
  }
  std::sort(steps.rbegin(), steps.rend());
  for (const int64_t step : steps) {
    // A folder without meta.json is being pruned right now.
    if (fs::exists(absl::StrCat(layout::CheckpointFolder(RunFolder(job_id), step), "/",
                                layout::kMetaFile),
                   error)) {
      return CheckpointId(job_id, step);
    }
  }
  return absl::FailedPreconditionError(
      absl::StrCat("job ", job_id, " has no checkpoint yet"));
}

absl::StatusOr<v1::Checkpoint> CheckpointCatalog::Get(
    const std::string& checkpoint_id) const {
  SIMCLR_ASSIGN_OR_RETURN(auto parsed, layout::ParseCheckpointId(checkpoint_id));
  return Read(parsed.first, parsed.second);
}

absl::StatusOr<std::string> CheckpointCatalog::Folder(
    const std::string& checkpoint_id) const {
  SIMCLR_ASSIGN_OR_RETURN(const v1::Checkpoint checkpoint,
                          Get(checkpoint_id));  // NOT_FOUND once pruned
  return FolderOf(checkpoint);
}

std::string CheckpointCatalog::FolderOf(const v1::Checkpoint& checkpoint) const {
  return fs::absolute(layout::CheckpointFolder(RunFolder(checkpoint.job_id()),
                                               checkpoint.step()))
      .string();
}

absl::StatusOr<CheckpointFileRef> CheckpointCatalog::File(
    const std::string& checkpoint_id, const std::string& name) const {
  SIMCLR_ASSIGN_OR_RETURN(auto checkpoint, Get(checkpoint_id));
  for (const auto& file : checkpoint.files()) {
    if (file.name() != name) continue;
    return CheckpointFileRef{
        absl::StrCat(FolderOf(checkpoint), "/", name), file.size_bytes(),
        file.sha256()};
  }
  return absl::InvalidArgumentError(absl::StrCat(
      "file: \"", core::SafeText(name, 64), "\" is not a file of ", checkpoint_id,
      " (encoder.pt, state.pt or meta.json)"));
}

absl::Status CheckpointCatalog::Delete(const std::string& checkpoint_id) const {
  SIMCLR_ASSIGN_OR_RETURN(auto parsed, layout::ParseCheckpointId(checkpoint_id));
  const std::string run = RunFolder(parsed.first);
  const std::string step = std::to_string(parsed.second);
  std::error_code error;
  // meta.json first: from then on the catalog no longer lists it.
  fs::remove(absl::StrCat(layout::CheckpointFolder(run, parsed.second), "/", layout::kMetaFile),
             error);
  fs::remove_all(layout::CheckpointFolder(run, parsed.second), error);
  if (error) {
    return absl::InternalError(absl::StrCat("cannot remove ", checkpoint_id, ": ",
                                            error.message()));
  }
  // Links that named it (best, final) would dangle.
  for (const char* link : {layout::kBestLink, layout::kFinalLink}) {
    const std::string path = layout::CheckpointLink(run, link);
    if (fs::read_symlink(path, error).filename() == step) fs::remove(path, error);
  }
  return absl::OkStatus();
}

}  // namespace simclr::server
