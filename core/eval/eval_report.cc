#include "core/eval/eval_report.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "core/common/atomic_file.h"
#include "core/common/layout.h"
#include "google/protobuf/util/json_util.h"

namespace simclr::core {
namespace {

namespace fs = std::filesystem;

std::string ClassifierTitle(const std::string& classifier) {
  return classifier == "finetune" ? "fine-tuned" : classifier;
}

std::string FractionTitle(double fraction) {
  return absl::StrFormat("%g %%", fraction * 100);
}

}  // namespace

void SummariseRuns(v1::EvalResult& result) {
  const int n = result.top1_runs_size();
  double mean = 0;
  for (const double v : result.top1_runs()) mean += v / n;
  double square = 0;
  for (const double v : result.top1_runs()) square += (v - mean) * (v - mean);
  result.set_top1_mean(n > 0 ? mean : 0);
  result.set_top1_std(n > 1 ? std::sqrt(square / (n - 1)) : 0);
}

std::string EvalTableMarkdown(const std::vector<v1::EvalReport>& reports) {
  std::vector<std::string> subjects;
  std::vector<double> fractions;
  std::vector<std::string> classifiers;
  // (fraction, classifier, subject) → cell.
  std::map<std::tuple<double, std::string, std::string>, v1::EvalResult> cells;
  int64_t test_examples = 0;
  for (const auto& report : reports) {
    test_examples = std::max(test_examples, report.test_examples());
    for (const auto& r : report.results()) {
      if (std::find(subjects.begin(), subjects.end(), r.subject()) ==
          subjects.end())
        subjects.push_back(r.subject());
      if (std::find(fractions.begin(), fractions.end(), r.label_fraction()) ==
          fractions.end())
        fractions.push_back(r.label_fraction());
      if (std::find(classifiers.begin(), classifiers.end(), r.classifier()) ==
          classifiers.end())
        classifiers.push_back(r.classifier());
      cells[{r.label_fraction(), r.classifier(), r.subject()}] = r;
    }
  }
  std::string out = "| labels | classifier |";
  for (const auto& s : subjects) absl::StrAppend(&out, " ", s, " |");
  absl::StrAppend(&out, "\n|---|---|");
  for (size_t i = 0; i < subjects.size(); ++i) absl::StrAppend(&out, "---:|");
  absl::StrAppend(&out, "\n");
  int min_runs = 0, max_runs = 0;
  for (const double f : fractions) {
    for (const auto& c : classifiers) {
      absl::StrAppend(&out, "| ", FractionTitle(f), " | ", ClassifierTitle(c),
                      " |");
      for (const auto& s : subjects) {
        const auto it = cells.find({f, c, s});
        if (it == cells.end()) {
          absl::StrAppend(&out, " — |");
          continue;
        }
        const int runs = it->second.top1_runs_size();
        min_runs = min_runs == 0 ? runs : std::min(min_runs, runs);
        max_runs = std::max(max_runs, runs);
        absl::StrAppend(&out, absl::StrFormat(" %.2f ± %.2f |",
                                              100 * it->second.top1_mean(),
                                              100 * it->second.top1_std()));
      }
      absl::StrAppend(&out, "\n");
    }
  }
  absl::StrAppend(
      &out, "\nTop-1 accuracy (%) on ", test_examples,
      " test images: mean ± sample standard deviation over ",
      min_runs == max_runs ? absl::StrCat(min_runs)
                           : absl::StrCat(min_runs, "–", max_runs),
      " runs, each on its own stratified subset of the labels.\n");
  return out;
}

absl::Status WriteArtifact(const std::string& job_dir, const std::string& path,
                           const std::string& content,
                           const std::string& media_type, EventSink& events) {
  if (auto s = WriteFileAtomically(path, content); !s.ok()) return s;
  EmitArtifact(job_dir, path, media_type, events);
  return absl::OkStatus();
}

void EmitArtifact(const std::string& job_dir, const std::string& path,
                  const std::string& media_type, EventSink& events) {
  std::error_code error;
  v1::JobEvent event;
  auto* artifact = event.mutable_artifact();
  artifact->set_path(fs::relative(path, job_dir, error).string());
  artifact->set_media_type(media_type);
  artifact->set_size_bytes(static_cast<int64_t>(fs::file_size(path, error)));
  events.Emit(std::move(event));
}

absl::Status WriteEvalReport(const std::string& job_dir,
                             const v1::EvalReport& report, EventSink& events) {
  for (const auto& result : report.results()) {
    v1::JobEvent event;
    *event.mutable_eval_result() = result;
    events.Emit(std::move(event));
  }
  std::string json;
  google::protobuf::util::JsonPrintOptions options;
  options.add_whitespace = true;
  options.preserve_proto_field_names = true;
  if (!google::protobuf::util::MessageToJsonString(report, &json, options)
           .ok()) {
    return absl::InternalError("report.json: cannot print");
  }
  const fs::path dir(job_dir);
  if (auto s = WriteArtifact(job_dir, (dir / layout::kReportJson).string(), json,
                             "application/json", events);
      !s.ok())
    return s;
  return WriteArtifact(job_dir, (dir / layout::kReportMarkdown).string(),
                       EvalTableMarkdown({report}), "text/markdown", events);
}

absl::StatusOr<v1::EvalReport> ReadEvalReport(const std::string& path) {
  std::ifstream in(path);
  if (!in) return absl::InvalidArgumentError(absl::StrCat(path, ": cannot read"));
  std::stringstream text;
  text << in.rdbuf();
  v1::EvalReport report;
  const auto status =
      google::protobuf::util::JsonStringToMessage(text.str(), &report);
  if (!status.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": not an EvalReport: ", status.message().as_string()));
  }
  return report;
}

}  // namespace simclr::core
