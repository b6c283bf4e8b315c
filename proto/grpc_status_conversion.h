// The one place where absl::Status and grpc::Status meet.
//
// Services work in absl::Status inside and convert once, at the edge
// (TensorFlow Serving's grpc_status_util.cc pattern); the client converts
// back. Both enums follow google.rpc.Code, so the mapping keeps the code
// and the message unchanged.
#ifndef SIMCLR_PROTO_GRPC_STATUS_CONVERSION_H_
#define SIMCLR_PROTO_GRPC_STATUS_CONVERSION_H_

#include "absl/status/status.h"
#include "grpcpp/support/status.h"

namespace simclr {

grpc::Status ToGrpcStatus(const absl::Status& status);
absl::Status FromGrpcStatus(const grpc::Status& status);

}  // namespace simclr

#endif  // SIMCLR_PROTO_GRPC_STATUS_CONVERSION_H_
