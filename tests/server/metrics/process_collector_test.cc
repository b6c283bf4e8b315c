#include "server/metrics/process_collector.h"

#include <ctime>
#include <map>
#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace simclr::server {
namespace {

std::map<std::string, double> Values() {
  std::map<std::string, double> values;
  for (const auto& family : ProcessCollector().Collect()) {
    const auto& metric = family.metric.at(0);
    values[family.name] = family.type == prometheus::MetricType::Counter
                              ? metric.counter.value
                              : metric.gauge.value;
  }
  return values;
}

TEST(ProcessCollectorTest, ReportsPlausibleFigures) {
  // Burn a little CPU and hold 32 MB so the figures cannot be zero.
  std::vector<char> held(32u << 20, 1);
  volatile double sink = 0;
  for (int i = 0; i < 20'000'000; ++i) sink = sink + i * 0.5;

  const auto values = Values();
  ASSERT_EQ(values.size(), 5u);
  EXPECT_GT(values.at("process_cpu_seconds_total"), 0.0);
  EXPECT_GT(values.at("process_resident_memory_bytes"), 32.0 * (1 << 20));
  EXPECT_GE(values.at("process_virtual_memory_bytes"),
            values.at("process_resident_memory_bytes"));
  EXPECT_GE(values.at("process_open_fds"), 3.0);  // stdin, stdout, stderr
  const double now = static_cast<double>(std::time(nullptr));
  EXPECT_GT(values.at("process_start_time_seconds"), now - 3600);
  EXPECT_LE(values.at("process_start_time_seconds"), now + 1);
  EXPECT_EQ(held[held.size() - 1], 1);
}

}  // namespace
}  // namespace simclr::server
