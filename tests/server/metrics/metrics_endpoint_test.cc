// The /metrics endpoint must come up in a process that has loaded LibTorch
// and run BLAS work (STACK.md pitfall 1: civetweb's small thread stacks vs
// the static TLS of torch + BLAS). This binary links torch through
// simclr_server; the GEMM below makes sure the BLAS and OpenMP are loaded
// and their threads exist before the endpoint starts.
#include "server/metrics/metrics_endpoint.h"

#include "ATen/ATen.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "prometheus/counter.h"
#include "tests/testing/http_get.h"
#include "tests/testing/status_matchers.h"

namespace simclr::server {
namespace {

using ::simclr::testing::HttpGet;
using ::simclr::testing::IsOk;
using ::testing::HasSubstr;

TEST(MetricsEndpointTest, ServesRegistryInATorchProcess) {
  const at::Tensor product = at::mm(at::ones({256, 256}), at::ones({256, 256}));
  ASSERT_FLOAT_EQ(product[0][0].item<float>(), 256.0f);

  MetricsEndpoint::Options options;
  options.port = 0;
  auto endpoint = MetricsEndpoint::Create(options);
  ASSERT_THAT(endpoint, IsOk())
      << "the metrics endpoint did not start in a process with LibTorch";
  ASSERT_GT((*endpoint)->port(), 0);

  prometheus::BuildCounter()
      .Name("simclr_test_events_total")
      .Help("Test counter.")
      .Register((*endpoint)->registry())
      .Add({{"kind", "unit"}})
      .Increment(3);

  auto response = HttpGet((*endpoint)->port(), "/metrics");
  ASSERT_THAT(response, IsOk());
  EXPECT_EQ(response->status_code, 200);
  EXPECT_THAT(response->content_type, HasSubstr("text/plain"));
  EXPECT_THAT(response->body,
              HasSubstr("# TYPE simclr_test_events_total counter"));
  EXPECT_THAT(response->body,
              HasSubstr("simclr_test_events_total{kind=\"unit\"} 3"));
}

TEST(MetricsEndpointTest, NegativePortServesNothingButKeepsTheRegistry) {
  MetricsEndpoint::Options options;
  options.port = -1;
  auto endpoint = MetricsEndpoint::Create(options);
  ASSERT_THAT(endpoint, IsOk());
  EXPECT_EQ((*endpoint)->port(), -1);
  prometheus::BuildCounter()
      .Name("x_total")
      .Help("x")
      .Register((*endpoint)->registry())
      .Add({})
      .Increment();
  EXPECT_EQ((*endpoint)->registry().Collect().size(), 1u);
}

}  // namespace
}  // namespace simclr::server
