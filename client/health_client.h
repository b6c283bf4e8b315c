// grpc.health.v1 checks against simclrd (or any gRPC server).
#ifndef SIMCLR_CLIENT_HEALTH_CLIENT_H_
#define SIMCLR_CLIENT_HEALTH_CLIENT_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "grpcpp/channel.h"

namespace simclr::client {

// Asks `service` ("" = the whole server) for its serving status and returns
// its name: "SERVING", "NOT_SERVING", "UNKNOWN" or "SERVICE_UNKNOWN".
// The RPC's own failure (UNAVAILABLE, DEADLINE_EXCEEDED, NOT_FOUND for an
// unknown service) comes back as the status.
absl::StatusOr<std::string> CheckHealth(grpc::Channel& channel,
                                        const std::string& service,
                                        absl::Duration timeout);

}  // namespace simclr::client

#endif  // SIMCLR_CLIENT_HEALTH_CLIENT_H_
