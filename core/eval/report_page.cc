#include "core/eval/report_page.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "core/common/artifact_files.h"
#include "core/common/layout.h"
#include "core/common/status_macros.h"
#include "core/eval/eval_report.h"
#include "core/eval/finetune_curves.h"
#include "core/plot/confusion_plot.h"
#include "core/spec/report_plan.h"
#include "core/train/training_curves.h"
#include "google/protobuf/util/json_util.h"

namespace simclr::core {
namespace {

namespace fs = std::filesystem;

absl::StatusOr<std::string> ReadWhole(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::DataLossError(absl::StrCat(path, ": missing or unreadable"));
  std::stringstream bytes;
  bytes << in.rdbuf();
  return bytes.str();
}

std::string Escaped(const std::string& text, bool html) {
  std::string out;
  for (const char c : text) {
    switch (c) {
      case '&': out += html ? "&amp;" : "&"; break;
      case '<': out += html ? "&lt;" : "<"; break;
      case '>': out += html ? "&gt;" : ">"; break;
      case '"': out += html ? "&quot;" : "\\\""; break;
      case '\\': out += html ? "\\" : "\\\\"; break;
      case '\n': out += html ? " " : "\\n"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) break;  // control characters go
        out += c;
    }
  }
  return out;
}
std::string Html(const std::string& text) { return Escaped(text, true); }

// A file name from a subject's name: [a-z0-9_] only.
std::string Slug(const std::string& text) {
  std::string out;
  for (const char c : text) {
    out += std::isalnum(static_cast<unsigned char>(c)) ? static_cast<char>(std::tolower(c)) : '_';
  }
  return out.substr(0, 40);
}

absl::Status AddPicture(const std::string& step_folder, const char* file, ReportPicture picture,
                        std::vector<ReportPicture>& pictures) {
  if (step_folder.empty()) return absl::OkStatus();
  SIMCLR_ASSIGN_OR_RETURN(picture.png, ReadWhole((fs::path(step_folder) / file).string()));
  pictures.push_back(std::move(picture));
  return absl::OkStatus();
}

// The confusion matrices of the largest label fraction, per subject.
absl::Status AddConfusions(const v1::EvalReport& report, std::vector<ReportPicture>& pictures) {
  if (report.label_fractions().empty()) return absl::OkStatus();
  const double largest =
      *std::max_element(report.label_fractions().begin(), report.label_fractions().end());
  for (const v1::EvalResult& cell : report.results()) {
    if (cell.label_fraction() != largest || cell.confusion().counts().empty()) continue;
    ConfusionPlot plot;
    plot.title = absl::StrFormat("%s, %s, %s of the labels", cell.subject(),
                                 ClassifierTitle(cell.classifier()), FractionTitle(largest));
    plot.class_names.assign(cell.confusion().class_names().begin(),
                            cell.confusion().class_names().end());
    plot.counts.assign(cell.confusion().counts().begin(), cell.confusion().counts().end());
    ReportPicture picture{absl::StrCat("confusion_", cell.classifier(), "_", Slug(cell.subject()),
                                       ".png"),
                          "Confusion matrices", plot.title, ""};
    SIMCLR_RETURN_IF_ERROR(RenderConfusionPng(plot, picture.png));
    pictures.push_back(std::move(picture));
  }
  return absl::OkStatus();
}

std::string MessageJson(const google::protobuf::Message& message) {
  std::string json;
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = true;
  (void)google::protobuf::util::MessageToJsonString(message, &json, options);
  return json;
}

std::string HtmlTable(const std::vector<v1::EvalReport>& reports) {
  const EvalTable t = BuildEvalTable(reports);
  std::string out = "<table>\n<tr><th>labels</th><th>classifier</th>";
  for (const auto& s : t.subjects) absl::StrAppend(&out, "<th>", Html(s), "</th>");
  absl::StrAppend(&out, "</tr>\n");
  for (const double f : t.fractions) {
    for (const auto& c : t.classifiers) {
      double best = -1;
      for (const auto& s : t.subjects) {
        if (const v1::EvalResult* cell = t.Cell(f, c, s)) best = std::max(best, cell->top1_mean());
      }
      absl::StrAppend(&out, "<tr><td>", FractionTitle(f), "</td><td>", ClassifierTitle(c),
                      "</td>");
      for (const auto& s : t.subjects) {
        const v1::EvalResult* cell = t.Cell(f, c, s);
        if (cell == nullptr) {
          absl::StrAppend(&out, "<td>—</td>");
          continue;
        }
        const std::string value = absl::StrFormat("%.2f ± %.2f", 100 * cell->top1_mean(),
                                                  100 * cell->top1_std());
        absl::StrAppend(&out, cell->top1_mean() == best ? "<td><b>" + value + "</b></td>"
                                                        : "<td>" + value + "</td>");
      }
      absl::StrAppend(&out, "</tr>\n");
    }
  }
  absl::StrAppend(&out, "</table>\n<p class=\"note\">", Html(t.Caption()),
                  " Bold: the best of the row.</p>\n");
  return out;
}

std::vector<v1::EvalReport> Reports(const ReportContents& c) {
  std::vector<v1::EvalReport> reports;
  if (c.linear) reports.push_back(*c.linear);
  if (c.finetune) reports.push_back(*c.finetune);
  return reports;
}

constexpr char kStyle[] =
    "body{font-family:system-ui,sans-serif;max-width:1480px;margin:1.5em auto;padding:0 1em;"
    "color:#222}h1{font-size:1.6em}h2{margin-top:1.6em;border-bottom:1px solid #ddd}"
    "table{border-collapse:collapse;font-variant-numeric:tabular-nums}"
    "th,td{border:1px solid #ccc;padding:5px 12px;text-align:right}"
    "th{background:#f3f3f3}td:nth-child(-n+2){text-align:left}.note{color:#555;font-size:.9em}"
    ".row{display:flex;flex-wrap:wrap;gap:1.2em}.row figure{flex:1 1 420px;margin:0}"
    ".wide figure{flex-basis:100%}"
    "img{max-width:100%;border:1px solid #eee}figcaption{color:#444;font-size:.9em}";

}  // namespace

absl::StatusOr<ReportContents> ReadReportSteps(const v1::JobSpec& spec) {
  const v1::ReportConfig& r = spec.report();
  const v1::ReportInputs& in = r.inputs();
  ReportContents c;
  c.title = !r.title().empty() ? r.title()
            : !spec.display_name().empty() ? spec.display_name() : "SimCLR report";
  if (!in.linear_eval().empty()) {
    SIMCLR_ASSIGN_OR_RETURN(c.linear, ReadEvalReport(layout::RunFile(in.linear_eval(),
                                                                     layout::kReportJson)));
  }
  if (!in.finetune().empty()) {
    SIMCLR_ASSIGN_OR_RETURN(c.finetune, ReadEvalReport(layout::RunFile(in.finetune(),
                                                                       layout::kReportJson)));
  }
  // One column over the seeds, beside a column per seed.
  std::vector<std::string> seeds;
  for (const uint64_t seed : r.pretrain_seeds()) seeds.push_back(SeedSubject(seed));
  for (auto* report : {&c.linear, &c.finetune}) {
    if (report->has_value()) PoolSubjects(seeds, kAfterSubject, **report);
  }
  for (auto [folder, json] : {std::pair{&in.tsne_before(), &c.tsne_before_json},
                              std::pair{&in.tsne_after(), &c.tsne_after_json}}) {
    if (folder->empty()) continue;
    SIMCLR_ASSIGN_OR_RETURN(*json, ReadWhole(layout::RunFile(*folder, layout::kReportJson)));
  }
  SIMCLR_RETURN_IF_ERROR(AddPicture(in.tsne_before(), "artifacts/tsne.png",
                                    {"tsne_before.png", "t-SNE", "before SimCLR", ""},
                                    c.pictures));
  SIMCLR_RETURN_IF_ERROR(AddPicture(in.tsne_after(), "artifacts/tsne.png",
                                    {"tsne_after.png", "t-SNE", "after SimCLR", ""}, c.pictures));
  SIMCLR_RETURN_IF_ERROR(AddPicture(in.pretrain(), kTrainingCurvesPng,
                                    {"training_curves.png", "Curves", "SimCLR pretraining", ""},
                                    c.pictures));
  SIMCLR_RETURN_IF_ERROR(AddPicture(in.finetune(), kFinetuneCurvesPng,
                                    {"finetune_curves.png", "Curves", "fine-tuning", ""},
                                    c.pictures));
  if (c.linear) SIMCLR_RETURN_IF_ERROR(AddConfusions(*c.linear, c.pictures));
  if (c.finetune) SIMCLR_RETURN_IF_ERROR(AddConfusions(*c.finetune, c.pictures));
  return c;
}

std::string ReportJson(const ReportContents& c) {
  std::string out = absl::StrCat("{\n  \"title\": \"", Escaped(c.title, false), "\"");
  if (c.linear) absl::StrAppend(&out, ",\n  \"linear_eval\": ", MessageJson(*c.linear));
  if (c.finetune) absl::StrAppend(&out, ",\n  \"finetune\": ", MessageJson(*c.finetune));
  if (!c.tsne_before_json.empty()) absl::StrAppend(&out, ",\n  \"tsne_before\": ", c.tsne_before_json);
  if (!c.tsne_after_json.empty()) absl::StrAppend(&out, ",\n  \"tsne_after\": ", c.tsne_after_json);
  absl::StrAppend(&out, "\n}\n");
  return out;
}

std::string ReportMarkdown(const ReportContents& c) {
  std::string out = absl::StrCat("# ", c.title, "\n\n");
  const auto reports = Reports(c);
  if (!reports.empty()) absl::StrAppend(&out, EvalTableMarkdown(reports), "\n");
  std::string section;
  for (const ReportPicture& p : c.pictures) {
    if (p.section != section) absl::StrAppend(&out, "## ", section = p.section, "\n\n");
    absl::StrAppend(&out, "![", p.caption, "](artifacts/", p.name, ")\n\n");
  }
  return out;
}

std::string ReportHtml(const ReportContents& c) {
  std::string out = absl::StrCat("<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
                                 "<title>", Html(c.title), "</title><style>", kStyle,
                                 "</style></head><body>\n<h1>", Html(c.title), "</h1>\n");
  const auto reports = Reports(c);
  if (!reports.empty()) {
    int64_t val = 0;  // only fine-tuning validates
    for (const auto& r : reports) val = std::max(val, r.val_examples());
    const v1::EvalReport& first = reports.front();
    absl::StrAppend(&out, "<p class=\"note\">", first.train_examples(), " labelled training, ",
                    val, " validation and ", first.test_examples(), " test images; seed ",
                    first.seed(), ".</p>\n<h2>Top-1 accuracy</h2>\n", HtmlTable(reports));
  }
  std::string section;
  for (const ReportPicture& p : c.pictures) {
    if (p.section != section) {
      // Curves are wide charts: one to a row.
      absl::StrAppend(&out, section.empty() ? "" : "</div>\n", "<h2>", Html(p.section),
                      "</h2>\n<div class=\"row", p.section == "Curves" ? " wide" : "", "\">\n");
      section = p.section;
    }
    absl::StrAppend(&out, "<figure><img alt=\"", Html(p.caption), "\" src=\"data:image/png;base64,",
                    absl::Base64Escape(p.png), "\"><figcaption>", Html(p.caption),
                    "</figcaption></figure>\n");
  }
  absl::StrAppend(&out, section.empty() ? "" : "</div>\n", "</body></html>\n");
  return out;
}

absl::Status WriteReport(const v1::JobSpec& spec, const std::string& run_folder,
                         EventSink& events) {
  SIMCLR_ASSIGN_OR_RETURN(const ReportContents c, ReadReportSteps(spec));
  for (const v1::EvalReport& report : Reports(c)) {
    for (const v1::EvalResult& cell : report.results()) {
      v1::JobEvent event;
      *event.mutable_eval_result() = cell;
      events.Emit(std::move(event));
    }
  }
  const fs::path artifacts = fs::path(run_folder) / layout::kArtifactsFolder;
  std::error_code error;
  fs::create_directories(artifacts, error);
  for (const ReportPicture& p : c.pictures) {
    SIMCLR_RETURN_IF_ERROR(WriteArtifact(run_folder, (artifacts / p.name).string(), p.png, events));
  }
  SIMCLR_RETURN_IF_ERROR(
      WriteArtifact(run_folder, layout::RunFile(run_folder, layout::kReportJson), ReportJson(c), events));
  SIMCLR_RETURN_IF_ERROR(WriteArtifact(
      run_folder, layout::RunFile(run_folder, layout::kReportMarkdown), ReportMarkdown(c), events));
  return WriteArtifact(run_folder, layout::RunFile(run_folder, layout::kReportHtml), ReportHtml(c),
                       events);
}

}  // namespace simclr::core
