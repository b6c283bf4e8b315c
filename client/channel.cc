#include "client/channel.h"

#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "grpcpp/support/channel_arguments.h"

namespace simclr::client {

// Explicit message limits: the largest reply is a 4 MiB download chunk plus
// its framing; everything bigger travels as a stream.
constexpr int kMaxMessageBytes = 8 << 20;

std::shared_ptr<grpc::Channel> CreateChannel(const ChannelOptions& options) {
  grpc::ChannelArguments arguments;
  arguments.SetMaxReceiveMessageSize(kMaxMessageBytes);
  arguments.SetMaxSendMessageSize(kMaxMessageBytes);
  return grpc::CreateCustomChannel(options.target,
                                   grpc::InsecureChannelCredentials(), arguments);
}

}  // namespace simclr::client
