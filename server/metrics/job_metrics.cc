#include "server/metrics/job_metrics.h"

#include <string>

#include "absl/strings/ascii.h"
#include "prometheus/client_metric.h"
#include "prometheus/metric_family.h"
#include "prometheus/metric_type.h"
#include "server/store/records.h"

namespace simclr::server {
namespace {

// "JOB_STATE_RUNNING" → "running".
std::string Short(const std::string& enum_name) {
  return absl::AsciiStrToLower(enum_name.substr(enum_name.rfind('_') + 1));
}

prometheus::ClientMetric Gauge(double value,
                               std::vector<prometheus::ClientMetric::Label> labels = {}) {
  prometheus::ClientMetric metric;
  metric.label = std::move(labels);
  metric.gauge.value = value;
  return metric;
}

}  // namespace

std::vector<prometheus::MetricFamily> JobMetricsCollector::Collect() const {
  const JobManager::Stats stats = jobs_->GetStats();
  prometheus::MetricFamily jobs{"simclr_jobs", "Jobs by state.",
                                prometheus::MetricType::Gauge, {}};
  for (int s = v1::JOB_STATE_QUEUED; s <= v1::JOB_STATE_CANCELLED; ++s) {
    auto it = stats.by_state.find(s);
    jobs.metric.push_back(
        Gauge(it == stats.by_state.end() ? 0 : it->second,
              {{"state", Short(v1::JobState_Name(static_cast<v1::JobState>(s)))}}));
  }
  prometheus::MetricFamily finished{
      "simclr_jobs_finished_total",
      "Jobs that ended since the server started, by kind and outcome.",
      prometheus::MetricType::Counter, {}};
  for (int k = v1::JOB_KIND_PRETRAIN; k <= v1::JobKind_MAX; ++k) {
    for (int s : {v1::JOB_STATE_SUCCEEDED, v1::JOB_STATE_FAILED,
                  v1::JOB_STATE_CANCELLED}) {
      prometheus::ClientMetric metric;
      // "JOB_KIND_LINEAR_EVAL" → "linear_eval".
      metric.label = {
          {"kind", absl::AsciiStrToLower(v1::JobKind_Name(static_cast<v1::JobKind>(k)).substr(9))},
          {"outcome", Short(v1::JobState_Name(static_cast<v1::JobState>(s)))}};
      auto it = stats.finished.find({k, s});
      metric.counter.value = it == stats.finished.end() ? 0 : it->second;
      finished.metric.push_back(std::move(metric));
    }
  }
  prometheus::MetricFamily queue{"simclr_job_queue_depth",
                                 "Jobs waiting to run (state QUEUED).",
                                 prometheus::MetricType::Gauge,
                                 {Gauge(stats.queue_depth)}};
  prometheus::MetricFamily samples{
      "simclr_train_samples_per_second",
      "Images (pretraining: views) per second, summed over the running jobs.",
      prometheus::MetricType::Gauge, {Gauge(stats.samples_per_second)}};
  prometheus::MetricFamily loss{
      "simclr_train_loss",
      "Latest training loss of a running job, by job kind.",
      prometheus::MetricType::Gauge, {}};
  for (const auto& [kind, value] : stats.loss_by_kind) {
    loss.metric.push_back(Gauge(
        value,
        {{"kind", absl::AsciiStrToLower(
                      v1::JobKind_Name(static_cast<v1::JobKind>(kind)).substr(9))}}));
  }
  prometheus::MetricFamily unreadable{
      "simclr_store_unreadable_records_total",
      "Stored rows skipped because they do not parse, by table (server/store/records.h).",
      prometheus::MetricType::Counter, {}};
  for (StoreTable table :
       {StoreTable::kDatasets, StoreTable::kJobs, StoreTable::kJobEvents, StoreTable::kModels}) {
    prometheus::ClientMetric metric;
    metric.label = {{"table", TableName(table)}};
    metric.counter.value = static_cast<double>(UnreadableRecords(table));
    unreadable.metric.push_back(std::move(metric));
  }
  std::vector<prometheus::MetricFamily> families = {jobs, finished, queue, samples, loss,
                                                    unreadable};
  if (datasets_ != nullptr) {
    prometheus::ClientMetric uploaded;
    uploaded.counter.value = static_cast<double>(datasets_->uploaded_bytes());
    families.push_back({"simclr_upload_bytes_total",
                        "Dataset upload bytes received since the server started.",
                        prometheus::MetricType::Counter,
                        {uploaded}});
  }
  return families;
}

}  // namespace simclr::server
