#include "server/metrics/process_collector.h"

#include <dirent.h>
#include <unistd.h>

#include <fstream>
#include <iterator>
#include <sstream>
#include <string>

namespace simclr::server {
namespace {

prometheus::MetricFamily Family(const char* name, const char* help,
                                prometheus::MetricType type, double value) {
  prometheus::MetricFamily family;
  family.name = name;
  family.help = help;
  family.type = type;
  prometheus::ClientMetric metric;
  if (type == prometheus::MetricType::Counter) {
    metric.counter.value = value;
  } else {
    metric.gauge.value = value;
  }
  family.metric.push_back(metric);
  return family;
}

double BootTimeSeconds() {
  std::ifstream stat("/proc/stat");
  std::string key;
  double value = 0;
  while (stat >> key) {
    if (key == "btime") {
      stat >> value;
      return value;
    }
    stat.ignore(1 << 20, '\n');
  }
  return 0;
}

int OpenFileDescriptors() {
  DIR* dir = opendir("/proc/self/fd");
  if (dir == nullptr) return 0;
  int count = 0;
  while (readdir(dir) != nullptr) ++count;
  closedir(dir);
  return count - 3;  // ".", ".." and the descriptor of this very listing
}

}  // namespace

std::vector<prometheus::MetricFamily> ProcessCollector::Collect() const {
  std::ifstream in("/proc/self/stat");
  const std::string stat((std::istreambuf_iterator<char>(in)),
                         std::istreambuf_iterator<char>());
  // Field 2 (comm) may contain spaces; the fields we need follow its ')'.
  const auto close_paren = stat.rfind(')');
  if (close_paren == std::string::npos) return {};
  std::istringstream fields(stat.substr(close_paren + 2));
  std::string field;
  double utime = 0, stime = 0, starttime = 0, vsize = 0, rss_pages = 0;
  // Fields from 3 (state) on, 1-based as in proc(5).
  for (int index = 3; fields >> field; ++index) {
    if (index == 14) utime = std::stod(field);
    if (index == 15) stime = std::stod(field);
    if (index == 22) starttime = std::stod(field);
    if (index == 23) vsize = std::stod(field);
    if (index == 24) {
      rss_pages = std::stod(field);
      break;
    }
  }
  const double ticks = static_cast<double>(sysconf(_SC_CLK_TCK));
  const double page_size = static_cast<double>(sysconf(_SC_PAGESIZE));

  using prometheus::MetricType;
  return {
      Family("process_cpu_seconds_total",
             "Total user and system CPU time spent in seconds.",
             MetricType::Counter, (utime + stime) / ticks),
      Family("process_resident_memory_bytes", "Resident memory size in bytes.",
             MetricType::Gauge, rss_pages * page_size),
      Family("process_virtual_memory_bytes", "Virtual memory size in bytes.",
             MetricType::Gauge, vsize),
      Family("process_start_time_seconds",
             "Start time of the process since unix epoch in seconds.",
             MetricType::Gauge, BootTimeSeconds() + starttime / ticks),
      Family("process_open_fds", "Number of open file descriptors.",
             MetricType::Gauge, OpenFileDescriptors()),
  };
}

}  // namespace simclr::server
