// A unary request whose bytes do not parse as its message (a `string`
// field that is not valid UTF-8, truncated or garbled bytes) is the
// client's error, but gRPC answers it INTERNAL (synchronous handlers) or
// UNIMPLEMENTED (callback handlers) with an empty message. This
// interceptor turns that answer into INVALID_ARGUMENT saying why.
//
// gRPC hands the interceptors of a call with one request (unary and
// server-streaming) a null received message exactly when deserialization
// failed. Client streams read messages themselves, and a message that does
// not parse ends their Read loop like the end of the stream: an upload then
// fails as incomplete, but EmbedStream cannot tell it from a half-close.
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
