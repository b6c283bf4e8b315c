// Channels to simclrd.
#ifndef SIMCLR_CLIENT_CHANNEL_H_
#define SIMCLR_CLIENT_CHANNEL_H_

#include <memory>
#include <string>

#include "grpcpp/channel.h"

namespace simclr::client {

struct ChannelOptions {
  // "host:port" of simclrd.
  std::string target = "127.0.0.1:50051";
  // Sent as "authorization: Bearer <token>" on every call when not empty.
  std::string token;
  // TLS when tls_ca is set: PEM files of the CA that signed the server's
  // certificate, and of this client's certificate and key for mTLS.
  std::string tls_ca, tls_cert, tls_key;
};

// With tls_ca set the channel is always TLS: an unreadable CA file leaves
// gRPC's default roots, so the handshake fails (UNAVAILABLE) rather than
// falling back to plaintext.
std::shared_ptr<grpc::Channel> CreateChannel(const ChannelOptions& options);

}  // namespace simclr::client

#endif  // SIMCLR_CLIENT_CHANNEL_H_
