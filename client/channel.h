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
};

std::shared_ptr<grpc::Channel> CreateChannel(const ChannelOptions& options);

}  // namespace simclr::client

#endif  // SIMCLR_CLIENT_CHANNEL_H_
