#include "server/services/reflection_auth_interceptor.h"

#include <memory>
#include <string>

#include "absl/strings/match.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/message.h"
#include "grpcpp/support/byte_buffer.h"
#include "server/auth/token_auth.h"

namespace simclr::server {
namespace {

using grpc::experimental::InterceptionHookPoints;
using grpc::experimental::ServerRpcInfo;
namespace pb = google::protobuf;

// A ServerReflectionResponse whose error_response carries `status`, built
// by name so that no reflection header is needed.
std::unique_ptr<pb::Message> ErrorResponse(const grpc::Status& status) {
  const pb::Descriptor* type = pb::DescriptorPool::generated_pool()->FindMessageTypeByName(
      "grpc.reflection.v1alpha.ServerReflectionResponse");
  if (type == nullptr) return nullptr;
  const pb::Message* prototype = pb::MessageFactory::generated_factory()->GetPrototype(type);
  std::unique_ptr<pb::Message> response(prototype->New());
  const pb::FieldDescriptor* error_field = type->FindFieldByName("error_response");
  pb::Message* error = response->GetReflection()->MutableMessage(response.get(), error_field);
  const pb::Descriptor* error_type = error->GetDescriptor();
  error->GetReflection()->SetInt32(error, error_type->FindFieldByName("error_code"),
                                   status.error_code());
  error->GetReflection()->SetString(error, error_type->FindFieldByName("error_message"),
                                    status.error_message());
  return response;
}

class ReflectionAuthInterceptor : public grpc::experimental::Interceptor {
 public:
  ReflectionAuthInterceptor(const TokenAuthenticator* auth, bool guarded)
      : auth_(auth), guarded_(guarded) {}

  void Intercept(grpc::experimental::InterceptorBatchMethods* methods) override {
    if (guarded_) Gate(methods);
    methods->Proceed();
  }

 private:
  void Gate(grpc::experimental::InterceptorBatchMethods* methods) {
    if (methods->QueryInterceptionHookPoint(InterceptionHookPoints::POST_RECV_INITIAL_METADATA)) {
      const auto* metadata = methods->GetRecvInitialMetadata();
      auto it = metadata->find("authorization");
      Principal who;
      denied_ = it == metadata->end()
                    ? auth_->AuthenticateHeader("", false, &who)
                    : auth_->AuthenticateHeader(
                          absl::string_view(it->second.data(), it->second.size()), true, &who);
      if (!denied_.ok()) error_response_ = ErrorResponse(denied_);
    }
    if (denied_.ok()) return;
    if (methods->QueryInterceptionHookPoint(InterceptionHookPoints::POST_RECV_MESSAGE)) {
      // An empty request: the service answers it without looking anything up.
      if (auto* request = static_cast<pb::Message*>(methods->GetRecvMessage())) request->Clear();
    }
    if (methods->QueryInterceptionHookPoint(InterceptionHookPoints::PRE_SEND_MESSAGE)) {
      ReplaceAnswer(methods);
    }
    if (methods->QueryInterceptionHookPoint(InterceptionHookPoints::PRE_SEND_STATUS)) {
      methods->ModifySendStatus(denied_);
    }
  }

  void ReplaceAnswer(grpc::experimental::InterceptorBatchMethods* methods) {
    if (error_response_ == nullptr) return;
    if (methods->GetSendMessage() != nullptr) {
      methods->ModifySendMessage(error_response_.get());
      return;
    }
    if (grpc::ByteBuffer* serialized = methods->GetSerializedSendMessage()) {
      const std::string bytes = error_response_->SerializeAsString();
      grpc::Slice slice(bytes);
      *serialized = grpc::ByteBuffer(&slice, 1);
    }
  }

  const TokenAuthenticator* const auth_;
  const bool guarded_;
  grpc::Status denied_;
  std::unique_ptr<pb::Message> error_response_;
};

}  // namespace

grpc::experimental::Interceptor* ReflectionAuthInterceptorFactory::CreateServerInterceptor(
    ServerRpcInfo* info) {
  const bool guarded = auth_ != nullptr && info->method() != nullptr &&
                       absl::StartsWith(info->method(), "/grpc.reflection.");
  return new ReflectionAuthInterceptor(auth_, guarded);
}

}  // namespace simclr::server
