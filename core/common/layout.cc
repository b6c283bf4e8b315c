#include "core/common/layout.h"

#include "absl/random/random.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "core/common/field_error.h"
#include "core/common/lower_hex.h"

namespace simclr::core::layout {
namespace {

constexpr absl::string_view kJobPrefix = "job-";
constexpr absl::string_view kDatasetPrefix = "ds-";
constexpr absl::string_view kModelPrefix = "model-";
constexpr absl::string_view kCheckpointPrefix = "ckpt-";
constexpr size_t kIdHexDigits = 12;

std::string NewId(absl::string_view prefix) {
  absl::BitGen random;
  return absl::StrFormat("%s%012x", prefix,
                         absl::Uniform<uint64_t>(random) & 0xffffffffffffULL);
}

// `prefix` then lower-case hex, `min_digits` to kIdHexDigits of it.
bool IsId(absl::string_view id, absl::string_view prefix, size_t min_digits) {
  if (!absl::StartsWith(id, prefix)) return false;
  const absl::string_view hex = id.substr(prefix.size());
  return hex.size() >= min_digits && hex.size() <= kIdHexDigits && IsLowerHex(hex);
}

}  // namespace

std::string DatabasePath(absl::string_view data_dir) {
  return absl::StrCat(data_dir, "/simclr.db");
}
std::string DatasetsFolder(absl::string_view data_dir) {
  return absl::StrCat(data_dir, "/datasets");
}
std::string IncomingFolder(absl::string_view data_dir) {
  return absl::StrCat(DatasetsFolder(data_dir), "/.incoming");
}
std::string DatasetFolder(absl::string_view data_dir, absl::string_view dataset_id) {
  return absl::StrCat(DatasetsFolder(data_dir), "/", dataset_id);
}
std::string IncomingDatasetFolder(absl::string_view data_dir,
                                  absl::string_view dataset_id) {
  return absl::StrCat(IncomingFolder(data_dir), "/", dataset_id);
}
std::string ModelsFolder(absl::string_view data_dir) { return absl::StrCat(data_dir, "/models"); }

std::string ModelFolder(absl::string_view data_dir, absl::string_view model_id) {
  return absl::StrCat(ModelsFolder(data_dir), "/", model_id);
}

std::string IncomingModelFolder(absl::string_view data_dir, absl::string_view model_id) {
  return absl::StrCat(ModelsFolder(data_dir), "/.incoming/", model_id);
}

std::string JobsFolder(absl::string_view data_dir) { return absl::StrCat(data_dir, "/jobs"); }

std::string JobFolder(absl::string_view data_dir, absl::string_view job_id) {
  return absl::StrCat(JobsFolder(data_dir), "/", job_id);
}

std::string SpecPath(absl::string_view job_folder) {
  return absl::StrCat(job_folder, "/spec.json");
}
std::string WorkerStderrPath(absl::string_view job_folder) {
  return absl::StrCat(job_folder, "/worker.stderr");
}
std::string RunFolder(absl::string_view job_folder) {
  return absl::StrCat(job_folder, "/run");
}

std::string CheckpointsFolder(absl::string_view run_folder) {
  return absl::StrCat(run_folder, "/", kCheckpointsFolder);
}
std::string CheckpointFolder(absl::string_view run_folder, int64_t step) {
  return absl::StrCat(CheckpointsFolder(run_folder), "/", step);
}
std::string CheckpointLink(absl::string_view run_folder, absl::string_view name) {
  return absl::StrCat(CheckpointsFolder(run_folder), "/", name);
}
std::string RunFile(absl::string_view run_folder, absl::string_view name) {
  return absl::StrCat(run_folder, "/", name);
}

std::string NewJobId() { return NewId(kJobPrefix); }
std::string NewDatasetId() { return NewId(kDatasetPrefix); }
std::string NewModelId() { return NewId(kModelPrefix); }
bool IsModelId(absl::string_view id) { return IsId(id, kModelPrefix, kIdHexDigits); }
// A short job id is well formed (it is looked up and not found); dataset
// ids are checked for their full length.
bool IsJobId(absl::string_view id) { return IsId(id, kJobPrefix, 1); }
bool IsDatasetId(absl::string_view id) {
  return IsId(id, kDatasetPrefix, kIdHexDigits);
}

std::string CheckpointId(absl::string_view job_id, int64_t step) {
  if (absl::StartsWith(job_id, kJobPrefix)) job_id.remove_prefix(kJobPrefix.size());
  return absl::StrCat(kCheckpointPrefix, job_id, "-", step);
}

absl::StatusOr<std::pair<std::string, int64_t>> ParseCheckpointId(
    absl::string_view checkpoint_id) {
  const auto bad = [checkpoint_id] {
    return FieldError("checkpoint_id",
                      absl::StrCat("\"", absl::CHexEscape(checkpoint_id.substr(0, 64)),
                                   "\" is not a checkpoint id (ckpt-<job>-<step>)"));
  };
  if (!absl::StartsWith(checkpoint_id, kCheckpointPrefix)) return bad();
  const absl::string_view rest = checkpoint_id.substr(kCheckpointPrefix.size());
  const auto dash = rest.rfind('-');
  int64_t step = -1;
  if (dash == absl::string_view::npos ||
      !IsJobId(absl::StrCat(kJobPrefix, rest.substr(0, dash))) ||
      !absl::SimpleAtoi(rest.substr(dash + 1), &step) || step < 0) {
    return bad();
  }
  return std::make_pair(absl::StrCat(kJobPrefix, rest.substr(0, dash)), step);
}

}  // namespace simclr::core::layout
