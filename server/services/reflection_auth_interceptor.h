// Server reflection under the API's authentication: with a tokens file, a
// reflection call without a listed token learns nothing. gRPC's reflection
// service comes from a plugin that no handler of ours wraps, so this
// interceptor gates it: it empties each request before the service sees
// it, replaces each answer with a reflection ErrorResponse carrying
// UNAUTHENTICATED (what grpcurl and grpc_cli report), and ends the call
// UNAUTHENTICATED. Other services authenticate in their handlers, where the
// principal is needed; grpc.health.v1 stays open.
#ifndef SIMCLR_SERVER_SERVICES_REFLECTION_AUTH_INTERCEPTOR_H_
#define SIMCLR_SERVER_SERVICES_REFLECTION_AUTH_INTERCEPTOR_H_

#include "grpcpp/support/server_interceptor.h"

namespace simclr::server {

class TokenAuthenticator;

class ReflectionAuthInterceptorFactory
    : public grpc::experimental::ServerInterceptorFactoryInterface {
 public:
  // `auth` must outlive the server; null turns the gate off.
  explicit ReflectionAuthInterceptorFactory(const TokenAuthenticator* auth) : auth_(auth) {}
  grpc::experimental::Interceptor* CreateServerInterceptor(
      grpc::experimental::ServerRpcInfo* info) override;

 private:
  const TokenAuthenticator* const auth_;
};

}  // namespace simclr::server

#endif  // SIMCLR_SERVER_SERVICES_REFLECTION_AUTH_INTERCEPTOR_H_
