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

void PoolSubjects(const std::vector<std::string>& subjects, const std::string& pooled,
                  v1::EvalReport& report) {
  if (subjects.empty()) return;
  auto listed = [&](const std::string& s) {
    return std::find(subjects.begin(), subjects.end(), s) != subjects.end();
  };
  google::protobuf::RepeatedPtrField<v1::EvalResult> results;
  for (const v1::EvalResult& cell : report.results()) {
    if (cell.subject() == subjects.front()) {
      v1::EvalResult pool;
      pool.set_classifier(cell.classifier());
      pool.set_subject(pooled);
      pool.set_label_fraction(cell.label_fraction());
      pool.set_train_examples(cell.train_examples());
      for (const v1::EvalResult& other : report.results()) {
        if (other.label_fraction() == cell.label_fraction() && listed(other.subject())) {
          pool.add_top1_runs(other.top1_mean());
        }
      }
      pool.set_pretrain_seeds(pool.top1_runs_size());
      SummariseRuns(pool);
      if (pool.top1_runs_size() == static_cast<int>(subjects.size())) *results.Add() = pool;
    }
    *results.Add() = cell;
  }
  *report.mutable_results() = std::move(results);
  google::protobuf::RepeatedPtrField<std::string> names;
  for (const std::string& name : report.subjects()) {
    if (name == subjects.front()) *names.Add() = pooled;
    *names.Add() = name;
  }
  *report.mutable_subjects() = std::move(names);
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
      t.max_seeds = std::max(t.max_seeds, r.pretrain_seeds());
      if (r.pretrain_seeds() > 0) continue;
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
                      " runs, each on its own stratified subset of the labels.",
                      max_seeds == 0 ? ""
                                     : absl::StrCat(" A column pooled over ", max_seeds,
                                                    " pretraining seeds gives the mean ± "
                                                    "standard deviation over the seeds of "
                                                    "each seed's mean."));
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
