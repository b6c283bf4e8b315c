// Server-side gRPC metrics, named as go-grpc-prometheus names them so that
// stock dashboards work:
//   grpc_server_started_total{grpc_type,grpc_service,grpc_method}
//   grpc_server_handled_total{grpc_type,grpc_service,grpc_method,grpc_code}
//   grpc_server_handling_seconds{grpc_type,grpc_service,grpc_method}
// One interceptor instance per RPC; the factory is thread-safe.
#ifndef SIMCLR_SERVER_METRICS_GRPC_METRICS_INTERCEPTOR_H_
#define SIMCLR_SERVER_METRICS_GRPC_METRICS_INTERCEPTOR_H_

#include "grpcpp/support/server_interceptor.h"
#include "prometheus/counter.h"
#include "prometheus/family.h"
#include "prometheus/histogram.h"
#include "prometheus/registry.h"

namespace simclr::server {

// The metric families, built once on `registry` (which must outlive it).
class GrpcServerMetrics {
 public:
  explicit GrpcServerMetrics(prometheus::Registry& registry);

  prometheus::Family<prometheus::Counter>& started;
  prometheus::Family<prometheus::Counter>& handled;
  prometheus::Family<prometheus::Histogram>& handling_seconds;
};

class GrpcMetricsInterceptorFactory
    : public grpc::experimental::ServerInterceptorFactoryInterface {
 public:
  // `metrics` must outlive the server.
  explicit GrpcMetricsInterceptorFactory(GrpcServerMetrics* metrics)
      : metrics_(metrics) {}

  grpc::experimental::Interceptor* CreateServerInterceptor(
      grpc::experimental::ServerRpcInfo* info) override;

 private:
  GrpcServerMetrics* metrics_;
};

}  // namespace simclr::server

#endif  // SIMCLR_SERVER_METRICS_GRPC_METRICS_INTERCEPTOR_H_
