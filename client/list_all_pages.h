// Every item of a paged List RPC: pages of 1000, following
// next_page_token, each page with its own deadline.
#ifndef SIMCLR_CLIENT_LIST_ALL_PAGES_H_
#define SIMCLR_CLIENT_LIST_ALL_PAGES_H_

#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "grpcpp/client_context.h"
#include "proto/grpc_status_conversion.h"

namespace simclr::client {

// call(context, request, response) → grpc::Status runs the RPC;
// items(response) is the repeated field of results.
template <typename Item, typename Response, typename Request, typename Call,
          typename Items>
absl::StatusOr<std::vector<Item>> ListAllPages(Request request, absl::Duration timeout,
                                               Call call, Items items) {
  std::vector<Item> all;
  request.set_page_size(1000);
  while (true) {
    grpc::ClientContext context;
    context.set_deadline(absl::ToChronoTime(absl::Now() + timeout));
    Response response;
    const grpc::Status status = call(&context, request, &response);
    if (!status.ok()) return FromGrpcStatus(status);
    const auto& page = items(response);
    all.insert(all.end(), page.begin(), page.end());
    if (response.next_page_token().empty()) return all;
    request.set_page_token(response.next_page_token());
  }
}

}  // namespace simclr::client

#endif  // SIMCLR_CLIENT_LIST_ALL_PAGES_H_
