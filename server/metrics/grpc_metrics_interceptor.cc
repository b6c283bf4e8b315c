#include "server/metrics/grpc_metrics_interceptor.h"

#include <chrono>
#include <map>
#include <string>

namespace simclr::server {
namespace {

using grpc::experimental::InterceptionHookPoints;
using grpc::experimental::ServerRpcInfo;

const char* TypeName(ServerRpcInfo::Type type) {
  switch (type) {
    case ServerRpcInfo::Type::UNARY:
      return "unary";
    case ServerRpcInfo::Type::CLIENT_STREAMING:
      return "client_stream";
    case ServerRpcInfo::Type::SERVER_STREAMING:
      return "server_stream";
    case ServerRpcInfo::Type::BIDI_STREAMING:
      return "bidi_stream";
  }
  return "unknown";
}

// Names as in grpc/status.h, which is what PromQL users filter on.
const char* CodeName(grpc::StatusCode code) {
  static const char* const kNames[] = {"OK",
                                       "CANCELLED",
                                       "UNKNOWN",
                                       "INVALID_ARGUMENT",
                                       "DEADLINE_EXCEEDED",
                                       "NOT_FOUND",
                                       "ALREADY_EXISTS",
                                       "PERMISSION_DENIED",
                                       "RESOURCE_EXHAUSTED",
                                       "FAILED_PRECONDITION",
                                       "ABORTED",
                                       "OUT_OF_RANGE",
                                       "UNIMPLEMENTED",
                                       "INTERNAL",
                                       "UNAVAILABLE",
                                       "DATA_LOSS",
                                       "UNAUTHENTICATED"};
  const int index = static_cast<int>(code);
  return index >= 0 && index < 17 ? kNames[index] : "UNKNOWN";
}

// Latency buckets in seconds: 1 ms to ~30 s, for RPCs from health checks
// to large uploads.
prometheus::Histogram::BucketBoundaries LatencyBuckets() {
  return {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1,
          0.25,  0.5,    1,     2.5,  5,     10,   30};
}

class GrpcMetricsInterceptor : public grpc::experimental::Interceptor {
 public:
  GrpcMetricsInterceptor(ServerRpcInfo* info, GrpcServerMetrics* metrics)
      : metrics_(metrics), start_(std::chrono::steady_clock::now()) {
    // info->method() is "/package.Service/Method".
    const std::string full = info->method() != nullptr ? info->method() : "";
    const auto slash = full.rfind('/');
    std::string service, method = full;
    if (slash != std::string::npos && slash > 0) {
      service = full.substr(1, slash - 1);
      method = full.substr(slash + 1);
    }
    labels_ = {{"grpc_type", TypeName(info->type())},
               {"grpc_service", service},
               {"grpc_method", method}};
    metrics_->started.Add(labels_).Increment();
  }

  // An RPC that ends without sending a status (the client cancelled or the
  // deadline passed) is counted as CANCELLED when its interceptor dies.
  ~GrpcMetricsInterceptor() override {
    if (!recorded_) Record(grpc::StatusCode::CANCELLED);
  }

  void Intercept(
      grpc::experimental::InterceptorBatchMethods* methods) override {
    if (methods->QueryInterceptionHookPoint(
            InterceptionHookPoints::PRE_SEND_STATUS)) {
      Record(methods->GetSendStatus().error_code());
    }
    methods->Proceed();
  }

 private:
  void Record(grpc::StatusCode code) {
    recorded_ = true;
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start_)
            .count();
    auto handled_labels = labels_;
    handled_labels["grpc_code"] = CodeName(code);
    metrics_->handled.Add(handled_labels).Increment();
    metrics_->handling_seconds.Add(labels_, LatencyBuckets()).Observe(seconds);
  }

  GrpcServerMetrics* metrics_;
  std::chrono::steady_clock::time_point start_;
  std::map<std::string, std::string> labels_;
  bool recorded_ = false;
};

}  // namespace

GrpcServerMetrics::GrpcServerMetrics(prometheus::Registry& registry)
    : started(prometheus::BuildCounter()
                  .Name("grpc_server_started_total")
                  .Help("RPCs started on the server.")
                  .Register(registry)),
      handled(prometheus::BuildCounter()
                  .Name("grpc_server_handled_total")
                  .Help("RPCs completed on the server, by status code.")
                  .Register(registry)),
      handling_seconds(prometheus::BuildHistogram()
                           .Name("grpc_server_handling_seconds")
                           .Help("Time from the start of an RPC to its status.")
                           .Register(registry)) {}

grpc::experimental::Interceptor*
GrpcMetricsInterceptorFactory::CreateServerInterceptor(ServerRpcInfo* info) {
  return new GrpcMetricsInterceptor(info, metrics_);
}

}  // namespace simclr::server
