// The part every upload RPC shares (datasets, models): after the header,
// chunks until the client half-closes, each one restarting the idle
// watchdog; an idle or cancelled stream ends with its reason, and the
// caller's upload object then leaves nothing behind.
#ifndef SIMCLR_SERVER_SERVICES_UPLOAD_STREAM_H_
#define SIMCLR_SERVER_SERVICES_UPLOAD_STREAM_H_

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "grpcpp/server_context.h"
#include "grpcpp/support/sync_stream.h"
#include "proto/grpc_status_conversion.h"
#include "server/services/idle_watchdog.h"

namespace simclr::server {

// add(chunk) → absl::Status takes each chunk in order.
template <typename Request, typename AddChunk>
grpc::Status ReadChunks(grpc::ServerContext* context, grpc::ServerReader<Request>* reader,
                        IdleWatchdog::Watch& watch, absl::Duration idle_timeout, AddChunk add) {
  Request request;
  while (reader->Read(&request)) {
    watch.Touch();
    if (!request.has_chunk()) {
      return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                          "only the first message of an upload may be a header");
    }
    if (auto status = add(request.chunk()); !status.ok()) return ToGrpcStatus(status);
  }
  if (watch.timed_out()) {
    return grpc::Status(grpc::StatusCode::DEADLINE_EXCEEDED,
                        absl::StrCat("upload idle for more than ",
                                     absl::FormatDuration(idle_timeout),
                                     " (--upload_idle_timeout_seconds); nothing was kept"));
  }
  if (context->IsCancelled()) {
    return grpc::Status(grpc::StatusCode::CANCELLED, "upload cancelled; nothing was kept");
  }
  return grpc::Status::OK;
}

}  // namespace simclr::server

#endif  // SIMCLR_SERVER_SERVICES_UPLOAD_STREAM_H_
