// The job metrics of DESIGN.md, read from the JobManager at scrape time:
// simclr_jobs{state}, simclr_jobs_finished_total{kind,outcome},
// simclr_job_queue_depth, and over the running jobs (no job-id labels:
// per-job curves go through WatchJob) simclr_train_samples_per_second
// (summed) and simclr_train_loss{kind} (the latest loss of the running job
// of that kind that reported last).
#ifndef SIMCLR_SERVER_METRICS_JOB_METRICS_H_
#define SIMCLR_SERVER_METRICS_JOB_METRICS_H_

#include <vector>

#include "prometheus/collectable.h"
#include "server/datasets/dataset_manager.h"
#include "server/jobs/job_manager.h"

namespace simclr::server {

class JobMetricsCollector : public prometheus::Collectable {
 public:
  // `jobs` must outlive the collector's scrapes.
  // Also simclr_upload_bytes_total from `datasets` (may be null).
  JobMetricsCollector(JobManager* jobs, const DatasetManager* datasets)
      : jobs_(jobs), datasets_(datasets) {}
  std::vector<prometheus::MetricFamily> Collect() const override;

 private:
  JobManager* const jobs_;
  const DatasetManager* const datasets_;
};

}  // namespace simclr::server

#endif  // SIMCLR_SERVER_METRICS_JOB_METRICS_H_
