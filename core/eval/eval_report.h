// The output of evaluation jobs: report.json (a simclr.v1.EvalReport) and
// report.md, the ancestor's table (label fraction × classifier rows, one
// column per subject, top-1 mean ± std), emitted as JobEvents too.
#ifndef SIMCLR_CORE_EVAL_EVAL_REPORT_H_
#define SIMCLR_CORE_EVAL_EVAL_REPORT_H_

#include <map>
#include <string>
#include <tuple>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "core/common/event_sink.h"
#include "simclr/v1/job.pb.h"

namespace simclr::core {

// Fills top1_mean and top1_std (the sample standard deviation; 0 for one
// run) from top1_runs.
void SummariseRuns(v1::EvalResult& result);

// Adds a column `pooled` to `report`, placed before the first of
// `subjects` (one encoder per pretraining seed): per label fraction, its
// cell holds each subject's mean as a run (pretrain_seeds set), so its mean
// ± std is over the seeds. A fraction missing one of them gets no cell.
void PoolSubjects(const std::vector<std::string>& subjects, const std::string& pooled,
                  v1::EvalReport& report);

// The cells of evaluation reports as one table: rows are label fraction ×
// classifier, columns the subjects, in the order they first appear.
struct EvalTable {
  std::vector<std::string> subjects, classifiers;
  std::vector<double> fractions;
  std::map<std::tuple<double, std::string, std::string>, v1::EvalResult> cells;
  int64_t test_examples = 0;
  // Runs per cell, pooled cells aside; the most seeds a pooled cell has.
  int min_runs = 0, max_runs = 0, max_seeds = 0;
  // Null for a cell no report has.
  const v1::EvalResult* Cell(double fraction, const std::string& classifier,
                             const std::string& subject) const;
  // "Top-1 accuracy (%) on N test images: mean ± …"
  std::string Caption() const;
};
EvalTable BuildEvalTable(const std::vector<v1::EvalReport>& reports);

// "5 %", and "linear" / "fine-tuned".
std::string FractionTitle(double fraction);
std::string ClassifierTitle(const std::string& classifier);

// One table over the cells of all `reports` (e.g. a linear and a finetune
// job on the same subjects), in Markdown.
std::string EvalTableMarkdown(const std::vector<v1::EvalReport>& reports);

// Writes JOB_DIR/report.json and JOB_DIR/report.md and emits an EvalResult
// event per cell and an Artifact event per file.
absl::Status WriteEvalReport(const std::string& job_dir,
                             const v1::EvalReport& report, EventSink& events);

// Reads a report.json; INVALID_ARGUMENT naming the file if it is not one.
absl::StatusOr<v1::EvalReport> ReadEvalReport(const std::string& path);

}  // namespace simclr::core

#endif  // SIMCLR_CORE_EVAL_EVAL_REPORT_H_
