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
#include "core/common/artifact_files.h"
#include "core/common/atomic_file.h"
#include "core/common/layout.h"
#include "google/protobuf/util/json_util.h"

namespace simclr::core {
namespace {

namespace fs = std::filesystem;

}  // namespace

std::string ClassifierTitle(const std::string& classifier) {
  return classifier == "finetune" ? "fine-tuned" : classifier;
}

std::string FractionTitle(double fraction) {
  return absl::StrFormat("%g %%", fraction * 100);
}


void SummariseRuns(v1::EvalResult& result) {
  const int n = result.top1_runs_size();
  double mean = 0;
  for (const double v : result.top1_runs()) mean += v / n;
  double square = 0;
  for (const double v : result.top1_runs()) square += (v - mean) * (v - mean);
  result.set_top1_mean(n > 0 ? mean : 0);
  result.set_top1_std(n > 1 ? std::sqrt(square / (n - 1)) : 0);
}

EvalTable BuildEvalTable(const std::vector<v1::EvalReport>& reports) {
  EvalTable t;
  auto add = [](auto& list, const auto& value) {
    if (std::find(list.begin(), list.end(), value) == list.end()) list.push_back(value);
  };
  for (const auto& report : reports) {
    t.test_examples = std::max(t.test_examples, report.test_examples());
    for (const auto& r : report.results()) {
      add(t.subjects, r.subject());
      add(t.fractions, r.label_fraction());
      add(t.classifiers, r.classifier());
      t.cells[{r.label_fraction(), r.classifier(), r.subject()}] = r;
      const int runs = r.top1_runs_size();
      t.min_runs = t.min_runs == 0 ? runs : std::min(t.min_runs, runs);
      t.max_runs = std::max(t.max_runs, runs);
    }
  }
  return t;
}

const v1::EvalResult* EvalTable::Cell(double fraction, const std::string& classifier,
                                      const std::string& subject) const {
  const auto it = cells.find({fraction, classifier, subject});
  return it == cells.end() ? nullptr : &it->second;
}

std::string EvalTable::Caption() const {
  return absl::StrCat("Top-1 accuracy (%) on ", test_examples,
                      " test images: mean ± sample standard deviation over ",
                      min_runs == max_runs ? absl::StrCat(min_runs)
                                           : absl::StrCat(min_runs, "–", max_runs),
                      " runs, each on its own stratified subset of the labels.");
}

std::string EvalTableMarkdown(const std::vector<v1::EvalReport>& reports) {
  const EvalTable t = BuildEvalTable(reports);
  std::string out = "| labels | classifier |";
  for (const auto& s : t.subjects) absl::StrAppend(&out, " ", s, " |");
  absl::StrAppend(&out, "\n|---|---|");
  for (size_t i = 0; i < t.subjects.size(); ++i) absl::StrAppend(&out, "---:|");
  absl::StrAppend(&out, "\n");
  for (const double f : t.fractions) {
    for (const auto& c : t.classifiers) {
      absl::StrAppend(&out, "| ", FractionTitle(f), " | ", ClassifierTitle(c), " |");
      for (const auto& s : t.subjects) {
        const v1::EvalResult* cell = t.Cell(f, c, s);
        absl::StrAppend(&out, cell == nullptr ? " — |"
                                              : absl::StrFormat(" %.2f ± %.2f |",
                                                                100 * cell->top1_mean(),
                                                                100 * cell->top1_std()));
      }
      absl::StrAppend(&out, "\n");
    }
  }
  absl::StrAppend(&out, "\n", t.Caption(), "\n");
  return out;
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
  if (auto s = WriteArtifact(job_dir, (dir / layout::kReportJson).string(), json, events);
      !s.ok())
    return s;
  return WriteArtifact(job_dir, (dir / layout::kReportMarkdown).string(),
                       EvalTableMarkdown({report}), events);
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
