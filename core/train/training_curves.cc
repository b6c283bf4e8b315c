#include "core/train/training_curves.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "core/common/artifact_files.h"

namespace simclr::core {
namespace {

namespace fs = std::filesystem;

constexpr char kHeader[] =
    "type,epoch,step,loss,learning_rate,positive_pair_top1,val_loss,knn_top1";

std::string Optional(const std::optional<double>& v) {
  return v ? absl::StrFormat("%.9g", *v) : "";
}

bool ParseOptional(absl::string_view field, std::optional<double>& v) {
  if (field.empty()) return true;
  double d = 0;
  if (!absl::SimpleAtod(field, &d)) return false;
  v = d;
  return true;
}

LineSeries Series(std::string name, int colour, bool markers = false, bool thin = false) {
  LineSeries s;
  s.name = std::move(name);
  s.colour = colour;
  s.markers = markers;
  s.thin = thin;
  return s;
}

ChartPanel Panel(std::string title, std::string y_label) {
  return MakePanel(std::move(title), "step (dashed: end of each epoch)", std::move(y_label));
}

}  // namespace

TrainingCurves::TrainingCurves(std::string run_folder, std::string title, bool resume,
                               int64_t resume_step)
    : run_folder_(std::move(run_folder)), title_(std::move(title)) {
  if (resume) Load(resume_step);
}

void TrainingCurves::Load(int64_t resume_step) {
  std::ifstream in(fs::path(run_folder_) / kTrainingCurvesCsv);
  std::string line;
  if (!std::getline(in, line) || line != kHeader) return;
  while (std::getline(in, line)) {
    const std::vector<absl::string_view> f = absl::StrSplit(line, ',');
    Point p;
    if (f.size() != 8 || !absl::SimpleAtoi(f[1], &p.epoch) || !absl::SimpleAtoi(f[2], &p.step) ||
        !absl::SimpleAtod(f[3], &p.loss) || !absl::SimpleAtod(f[4], &p.learning_rate) ||
        !absl::SimpleAtod(f[5], &p.positive_pair_top1) || !ParseOptional(f[6], p.val_loss) ||
        !ParseOptional(f[7], p.knn_top1)) {
      points_.clear();  // not ours: start over rather than draw garbage
      return;
    }
    p.epoch_end = f[0] == "epoch";
    if (p.step <= resume_step) points_.push_back(p);
  }
}

void TrainingCurves::Add(const v1::TrainProgress& progress) {
  Point p;
  p.epoch = progress.epoch();
  p.step = progress.step();
  p.loss = progress.loss();
  p.learning_rate = progress.learning_rate();
  p.positive_pair_top1 = progress.positive_pair_top1();
  points_.push_back(p);
}

void TrainingCurves::Add(const v1::EpochSummary& summary) {
  Point p;
  p.epoch_end = true;
  p.epoch = summary.epoch();
  p.step = summary.step();
  p.loss = summary.train_loss();
  if (summary.has_val_loss()) p.val_loss = summary.val_loss();
  if (summary.has_knn_top1()) p.knn_top1 = summary.knn_top1();
  points_.push_back(p);
}

std::string TrainingCurves::Csv() const {
  std::string csv = absl::StrCat(kHeader, "\n");
  for (const Point& p : points_) {
    absl::StrAppend(&csv, p.epoch_end ? "epoch" : "step", ",", p.epoch, ",", p.step, ",",
                    absl::StrFormat("%.9g,%.9g,%.9g", p.loss, p.learning_rate,
                                    p.positive_pair_top1),
                    ",", Optional(p.val_loss), ",", Optional(p.knn_top1), "\n");
  }
  return csv;
}

LineChart TrainingCurves::Chart() const {
  ChartPanel loss = Panel("Loss", "NT-Xent loss");
  ChartPanel lr = Panel("Learning rate", "learning rate");
  ChartPanel top1 = Panel("Positive-pair top-1 (training batches)", "top-1 accuracy");
  ChartPanel knn = Panel("kNN top-1 (validation split)", "top-1 accuracy");
  top1.fixed_y = knn.fixed_y = true;
  LineSeries window = Series("train, every log step", 0, false, true);
  LineSeries epoch_train = Series("train, epoch mean", 0, true);
  LineSeries val = Series("validation", 1, true);
  LineSeries rate = Series("", 2), positive = Series("", 4), neighbours = Series("", 3, true);
  for (const Point& p : points_) {
    const double x = static_cast<double>(p.step);
    if (!p.epoch_end) {
      window.x.push_back(x), window.y.push_back(p.loss);
      rate.x.push_back(x), rate.y.push_back(p.learning_rate);
      positive.x.push_back(x), positive.y.push_back(p.positive_pair_top1);
      continue;
    }
    epoch_train.x.push_back(x), epoch_train.y.push_back(p.loss);
    if (p.val_loss) val.x.push_back(x), val.y.push_back(*p.val_loss);
    if (p.knn_top1) neighbours.x.push_back(x), neighbours.y.push_back(*p.knn_top1);
    for (ChartPanel* panel : {&loss, &lr, &top1, &knn}) {
      panel->x_marks.push_back({x, absl::StrCat("epoch ", p.epoch + 1)});
    }
  }
  const double last_step = points_.empty() ? 1 : static_cast<double>(points_.back().step);
  for (ChartPanel* panel : {&loss, &lr, &top1, &knn}) {
    panel->fixed_x = true;
    panel->x_max = std::max(1.0, last_step);
  }
  // Short enough for the panel: the reason is in the spec (labels, knn_every_epochs).
  if (neighbours.x.empty()) knn.title = "kNN top-1 (validation split): not run";
  if (val.x.empty()) val.name = "";
  loss.series = {window, epoch_train, val};
  lr.series = {rate};
  top1.series = {positive};
  knn.series = {neighbours};
  LineChart chart;
  chart.title = title_;
  chart.panels = {loss, lr, top1, knn};
  return chart;
}

absl::Status TrainingCurves::Write(EventSink& events) const {
  const fs::path folder = fs::path(run_folder_) / kTrainingCurvesCsv;
  std::error_code error;
  fs::create_directories(folder.parent_path(), error);
  if (error) {
    return absl::FailedPreconditionError(absl::StrCat(
        folder.parent_path().string(), ": cannot create: ", error.message()));
  }
  if (auto s = WriteArtifact(run_folder_, folder.string(), Csv(), events); !s.ok()) return s;
  const std::string png = (fs::path(run_folder_) / kTrainingCurvesPng).string();
  if (auto s = WriteLineChartPng(Chart(), png); !s.ok()) return s;
  EmitArtifact(run_folder_, png, events);
  return absl::OkStatus();
}

}  // namespace simclr::core
