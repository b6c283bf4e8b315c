// A unary request whose bytes do not parse as its message (a `string`
// field that is not valid UTF-8, truncated or garbled bytes) is the
// client's error, but gRPC answers it INTERNAL (synchronous handlers) or
// UNIMPLEMENTED (callback handlers) with an empty message. This
// interceptor turns that answer into INVALID_ARGUMENT saying why.
//
// gRPC hands a unary handler's interceptors a null received message
// exactly when deserialization failed; streams read messages themselves
// (a bad one ends their Read loop), so only unary calls are rewritten.
#ifndef SIMCLR_SERVER_SERVICES_BAD_REQUEST_INTERCEPTOR_H_
#define SIMCLR_SERVER_SERVICES_BAD_REQUEST_INTERCEPTOR_H_

#include "grpcpp/support/server_interceptor.h"

namespace simclr::server {

class BadRequestInterceptorFactory
    : public grpc::experimental::ServerInterceptorFactoryInterface {
 public:
  grpc::experimental::Interceptor* CreateServerInterceptor(
      grpc::experimental::ServerRpcInfo* info) override;
};

}  // namespace simclr::server

#endif  // SIMCLR_SERVER_SERVICES_BAD_REQUEST_INTERCEPTOR_H_
