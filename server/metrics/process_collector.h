// The standard Prometheus process metrics, read from /proc/self at scrape
// time (prometheus-cpp does not provide them):
//   process_cpu_seconds_total, process_resident_memory_bytes,
//   process_virtual_memory_bytes, process_start_time_seconds,
//   process_open_fds.
// Thread-safe: Collect() only reads /proc.
#ifndef SIMCLR_SERVER_METRICS_PROCESS_COLLECTOR_H_
#define SIMCLR_SERVER_METRICS_PROCESS_COLLECTOR_H_

#include <vector>

#include "prometheus/collectable.h"
#include "prometheus/metric_family.h"

namespace simclr::server {

class ProcessCollector : public prometheus::Collectable {
 public:
  std::vector<prometheus::MetricFamily> Collect() const override;
};

}  // namespace simclr::server

#endif  // SIMCLR_SERVER_METRICS_PROCESS_COLLECTOR_H_
