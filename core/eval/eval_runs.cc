#include "core/eval/eval_runs.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "core/common/status_macros.h"
#include "core/data/splits.h"
#include "google/protobuf/util/time_util.h"

namespace simclr::core {

uint64_t RunSeed(uint64_t job_seed, int fraction_index, int repeat) {
  // splitmix64 of the three, so nearby seeds give unrelated subsets.
  uint64_t z = job_seed * 0x9E3779B97F4A7C15ULL +
               static_cast<uint64_t>(fraction_index) * 1000003ULL +
               static_cast<uint64_t>(repeat) + 1;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

absl::StatusOr<std::vector<int64_t>> LabelSubset(
    const std::vector<int64_t>& pool, const std::vector<int32_t>& labels,
    double fraction, uint64_t seed) {
  std::vector<int64_t> positions(pool.size());
  std::vector<int32_t> pool_labels(pool.size());
  for (size_t i = 0; i < pool.size(); ++i) {
    positions[i] = static_cast<int64_t>(i);
    pool_labels[i] = labels[static_cast<size_t>(pool[i])];
  }
  return StratifiedSubset(positions, pool_labels, fraction, seed);
}

void AddToConfusion(const std::vector<int64_t>& truth,
                    const std::vector<int64_t>& predicted,
                    const std::vector<std::string>& class_names,
                    v1::ConfusionMatrix* confusion) {
  const int k = static_cast<int>(class_names.size());
  if (confusion->counts_size() != k * k) {
    confusion->clear_class_names();
    for (const auto& name : class_names) confusion->add_class_names(name);
    confusion->mutable_counts()->Resize(k * k, 0);
  }
  for (size_t i = 0; i < truth.size() && i < predicted.size(); ++i) {
    if (truth[i] < 0 || truth[i] >= k || predicted[i] < 0 || predicted[i] >= k)
      continue;
    const int cell = static_cast<int>(truth[i] * k + predicted[i]);
    confusion->set_counts(cell, confusion->counts(cell) + 1);
  }
}

RunProgress::RunProgress(int64_t total_runs, EventSink& events)
    : total_(total_runs), events_(events),
      start_(std::chrono::steady_clock::now()) {}

void RunProgress::RunDone(const std::string& what, double top1) {
  ++timed_;
  Emit(what, top1);
}

void RunProgress::RunFinishedBefore(const std::string& what, double top1) {
  Emit(absl::StrCat(what, ", finished before the resume"), top1);
}

void RunProgress::Emit(const std::string& what, double top1) {
  ++done_;
  v1::JobEvent progress;
  auto* p = progress.mutable_progress();
  p->set_step(done_);
  p->set_total_steps(total_);
  if (timed_ > 0) {  // the rate of the runs this process trained
    const double seconds = std::chrono::duration<double>(
                               std::chrono::steady_clock::now() - start_)
                               .count();
    *p->mutable_eta() = google::protobuf::util::TimeUtil::MillisecondsToDuration(
        static_cast<int64_t>(1000 * seconds / timed_ * (total_ - done_)));
  }
  events_.Emit(std::move(progress));
  v1::JobEvent log;
  log.mutable_log()->set_severity(v1::LogLine::SEVERITY_INFO);
  log.mutable_log()->set_message(absl::StrFormat(
      "run %d/%d: %s: top-1 %.4f", done_, total_, what, top1));
  events_.Emit(std::move(log));
}

}  // namespace simclr::core
