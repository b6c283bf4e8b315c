#include "client/channel.h"

#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"

namespace simclr::client {

std::shared_ptr<grpc::Channel> CreateChannel(const ChannelOptions& options) {
  return grpc::CreateChannel(options.target,
                             grpc::InsecureChannelCredentials());
}

}  // namespace simclr::client
