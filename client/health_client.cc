#include "client/health_client.h"

#include <chrono>
#include <memory>

#include "grpc/health/v1/health.grpc.pb.h"
#include "grpcpp/client_context.h"
#include "proto/grpc_status_conversion.h"

namespace simclr::client {

absl::StatusOr<std::string> CheckHealth(grpc::Channel& channel,
                                        const std::string& service,
                                        absl::Duration timeout) {
  // The stub wants a shared_ptr; alias the caller's channel without owning.
  std::shared_ptr<grpc::Channel> unowned(std::shared_ptr<grpc::Channel>(),
                                         &channel);
  auto stub = grpc::health::v1::Health::NewStub(unowned);
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() +
                       absl::ToChronoNanoseconds(timeout));
  grpc::health::v1::HealthCheckRequest request;
  request.set_service(service);
  grpc::health::v1::HealthCheckResponse response;
  const grpc::Status status = stub->Check(&context, request, &response);
  if (!status.ok()) return FromGrpcStatus(status);
  return grpc::health::v1::HealthCheckResponse::ServingStatus_Name(
      response.status());
}

}  // namespace simclr::client
