// Every path and id format of simclrd's data dir and of a job's run folder,
// in one place, as leveldb's db/filename.h names every file of a database.
// Nothing else spells a folder or file name of this tree, or makes or
// parses an id. Torch-free.
//
//   DATA_DIR/
//     simclr.db                      SQLite: jobs, events, datasets
//     datasets/ID/                   an uploaded dataset (ID = ds-<12 hex>)
//     datasets/.incoming/ID/         an upload being received
//     jobs/ID/                       the job folder (ID = job-<12 hex>)
//       spec.json                    the spec the worker runs
//       worker.stderr                the worker's log, for people
//       run/                         the run folder: the worker's --job_dir
//         .lock                      one worker per run folder
//         checkpoints/STEP/          encoder.pt, state.pt, meta.json
//         checkpoints/best, final    links to a STEP folder
//         report.json, report.md     an evaluation's results
//         report.html                a report job's page
//         steps/NAME/                a standalone report's steps
//         finished_runs.jsonl        fine-tuning runs that are done
//         artifacts/                 pictures and tables (t-SNE)
//
// A checkpoint's id is ckpt-<the job id's hex>-<STEP>.
#ifndef SIMCLR_CORE_COMMON_LAYOUT_H_
#define SIMCLR_CORE_COMMON_LAYOUT_H_

#include <cstdint>
#include <string>
#include <utility>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace simclr::core::layout {

// Files of a checkpoint folder.
inline constexpr char kEncoderFile[] = "encoder.pt";
inline constexpr char kStateFile[] = "state.pt";
inline constexpr char kMetaFile[] = "meta.json";
// Links in the checkpoints folder.
inline constexpr char kBestLink[] = "best";
inline constexpr char kFinalLink[] = "final";
// Files and folders of a run folder.
inline constexpr char kLockFile[] = ".lock";
inline constexpr char kCheckpointsFolder[] = "checkpoints";
inline constexpr char kReportJson[] = "report.json";
inline constexpr char kReportMarkdown[] = "report.md";
inline constexpr char kReportHtml[] = "report.html";
inline constexpr char kFinishedRuns[] = "finished_runs.jsonl";
inline constexpr char kArtifactsFolder[] = "artifacts";

// The data dir.
std::string DatabasePath(absl::string_view data_dir);
std::string DatasetsFolder(absl::string_view data_dir);
std::string IncomingFolder(absl::string_view data_dir);
std::string DatasetFolder(absl::string_view data_dir, absl::string_view dataset_id);
std::string IncomingDatasetFolder(absl::string_view data_dir,
                                  absl::string_view dataset_id);
// Uploaded models: data_dir/models/<id>/model.pt, arriving in
// data_dir/models/.incoming/<id>/.
std::string ModelsFolder(absl::string_view data_dir);
std::string ModelFolder(absl::string_view data_dir, absl::string_view model_id);
std::string IncomingModelFolder(absl::string_view data_dir, absl::string_view model_id);
inline constexpr char kModelFile[] = "model.pt";
std::string JobsFolder(absl::string_view data_dir);
std::string JobFolder(absl::string_view data_dir, absl::string_view job_id);

// A job folder.
std::string SpecPath(absl::string_view job_folder);
std::string WorkerStderrPath(absl::string_view job_folder);
std::string RunFolder(absl::string_view job_folder);

// A run folder.
std::string CheckpointsFolder(absl::string_view run_folder);
std::string CheckpointFolder(absl::string_view run_folder, int64_t step);
// `name` is kBestLink or kFinalLink.
std::string CheckpointLink(absl::string_view run_folder, absl::string_view name);
// A file of the run folder, e.g. RunFile(run, kReportJson).
std::string RunFile(absl::string_view run_folder, absl::string_view name);

// Ids. Made only here; a valid one is also a safe folder name. A job id
// may be shorter than the ones made here (1 to 12 hex digits: it is then
// well formed and not found); a dataset id has all 12.
std::string NewJobId();
std::string NewDatasetId();
bool IsJobId(absl::string_view id);
bool IsDatasetId(absl::string_view id);
// "model-" and 1 to 12 hex digits.
std::string NewModelId();
bool IsModelId(absl::string_view id);
std::string CheckpointId(absl::string_view job_id, int64_t step);
// ckpt-<hex>-<step> → (job-<hex>, step); INVALID_ARGUMENT naming
// "checkpoint_id" otherwise.
absl::StatusOr<std::pair<std::string, int64_t>> ParseCheckpointId(
    absl::string_view checkpoint_id);

}  // namespace simclr::core::layout

#endif  // SIMCLR_CORE_COMMON_LAYOUT_H_
