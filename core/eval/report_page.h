// A report job's output, composed from its steps' run folders (the
// ReportInputs): report.json (every step's results in one object),
// report.md (the ancestor's table and links to the pictures), report.html
// (one self-contained page: the table with mean ± std, the t-SNE maps
// before and after side by side, the training and fine-tuning curves and
// the confusion matrices, every picture inlined), and the pictures
// themselves under artifacts/. Each file is announced by an Artifact
// event; the table's cells by EvalResult events.
#ifndef SIMCLR_CORE_EVAL_REPORT_PAGE_H_
#define SIMCLR_CORE_EVAL_REPORT_PAGE_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "core/common/event_sink.h"
#include "simclr/v1/job.pb.h"
#include "simclr/v1/job_spec.pb.h"

namespace simclr::core {

struct ReportPicture {
  std::string name;     // under artifacts/, e.g. "tsne_after.png"
  std::string section;  // "t-SNE", "Curves", "Confusion matrices"
  std::string caption;
  std::string png;      // the bytes
};

struct ReportContents {
  std::string title;
  std::optional<v1::EvalReport> linear, finetune;
  // The t-SNE steps' report.json (points, trustworthiness, …), as written.
  std::string tsne_before_json, tsne_after_json;
  std::vector<ReportPicture> pictures;
};

// Reads what the steps named in spec.report().inputs wrote. DATA_LOSS
// naming the file when a finished step's output is missing or unreadable.
absl::StatusOr<ReportContents> ReadReportSteps(const v1::JobSpec& spec);

std::string ReportJson(const ReportContents& contents);
std::string ReportMarkdown(const ReportContents& contents);
std::string ReportHtml(const ReportContents& contents);

// Reads the steps and writes every file into `run_folder`.
absl::Status WriteReport(const v1::JobSpec& spec, const std::string& run_folder,
                         EventSink& events);

}  // namespace simclr::core

#endif  // SIMCLR_CORE_EVAL_REPORT_PAGE_H_
