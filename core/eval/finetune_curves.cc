#include "core/eval/finetune_curves.h"

#include <filesystem>
#include <map>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "core/common/artifact_files.h"

namespace simclr::core {
namespace {

namespace fs = std::filesystem;

ChartPanel Panel(std::string title, std::string y_label) {
  return MakePanel(std::move(title), "epoch", std::move(y_label));
}

}  // namespace

LineChart FinetuneCurvesChart(const std::vector<v1::EvalResult>& runs,
                              const std::string& title) {
  ChartPanel train = Panel("Training loss", "cross-entropy");
  ChartPanel val = Panel("Validation loss", "cross-entropy");
  ChartPanel top1 = Panel("Validation top-1", "top-1 accuracy");
  top1.fixed_y = true;
  std::map<std::pair<std::string, double>, int> colours;  // (subject, fraction)
  for (const v1::EvalResult& run : runs) {
    const auto key = std::make_pair(run.subject(), run.label_fraction());
    const bool first = colours.count(key) == 0;
    if (first) colours.emplace(key, static_cast<int>(colours.size()));
    LineSeries t, v, a;
    t.colour = v.colour = a.colour = colours[key];
    t.thin = v.thin = a.thin = !first;
    if (first) {
      t.name = absl::StrFormat("%s, %g %% of labels", run.subject(), 100 * run.label_fraction());
    }
    for (const v1::EpochSummary& e : run.epoch_history()) {
      const double x = e.epoch() + 1;
      t.x.push_back(x), t.y.push_back(e.train_loss());
      if (e.has_val_loss()) v.x.push_back(x), v.y.push_back(e.val_loss());
      if (e.has_val_top1()) a.x.push_back(x), a.y.push_back(e.val_top1());
    }
    v.name = a.name = t.name;
    train.series.push_back(std::move(t));
    val.series.push_back(std::move(v));
    top1.series.push_back(std::move(a));
  }
  LineChart chart;
  chart.title = title;
  chart.columns = 3;
  chart.panel_width = 600;
  chart.panels = {train, val, top1};
  return chart;
}

absl::Status WriteFinetuneCurves(const std::string& run_folder,
                                 const std::vector<v1::EvalResult>& runs,
                                 const std::string& title, EventSink& events) {
  const fs::path png = fs::path(run_folder) / kFinetuneCurvesPng;
  std::error_code error;
  fs::create_directories(png.parent_path(), error);
  if (error) {
    return absl::FailedPreconditionError(
        absl::StrCat(png.parent_path().string(), ": cannot create: ", error.message()));
  }
  if (auto s = WriteLineChartPng(FinetuneCurvesChart(runs, title), png.string()); !s.ok()) {
    return s;
  }
  EmitArtifact(run_folder, png.string(), events);
  return absl::OkStatus();
}

}  // namespace simclr::core
