// The output of evaluation jobs: report.json (a simclr.v1.EvalReport) and
// report.md, the ancestor's table (label fraction × classifier rows, one
// column per subject, top-1 mean ± std), emitted as JobEvents too.
#ifndef SIMCLR_CORE_EVAL_EVAL_REPORT_H_
#define SIMCLR_CORE_EVAL_EVAL_REPORT_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "core/common/event_sink.h"
#include "simclr/v1/job.pb.h"

namespace simclr::core {

// Fills top1_mean and top1_std (the sample standard deviation; 0 for one
// run) from top1_runs.
void SummariseRuns(v1::EvalResult& result);

// One table over the cells of all `reports` (e.g. a linear and a finetune
// job on the same subjects), in Markdown.
std::string EvalTableMarkdown(const std::vector<v1::EvalReport>& reports);

// Writes JOB_DIR/report.json and JOB_DIR/report.md and emits an EvalResult
// event per cell and an Artifact event per file.
absl::Status WriteEvalReport(const std::string& job_dir,
                             const v1::EvalReport& report, EventSink& events);

// Reads a report.json; INVALID_ARGUMENT naming the file if it is not one.
absl::StatusOr<v1::EvalReport> ReadEvalReport(const std::string& path);

// Writes `content` to `path` atomically and emits an Artifact event with
// the path relative to `job_dir`.
absl::Status WriteArtifact(const std::string& job_dir, const std::string& path,
                           const std::string& content,
                           const std::string& media_type, EventSink& events);

// Emits an Artifact event for an existing file.
void EmitArtifact(const std::string& job_dir, const std::string& path,
                  const std::string& media_type, EventSink& events);

}  // namespace simclr::core

#endif  // SIMCLR_CORE_EVAL_EVAL_REPORT_H_
