// The List RPCs' paging (AIP-158 style): page_size in [0, 1000] with 0
// meaning 50, and a page_token that is the index of the next item.
#ifndef SIMCLR_SERVER_SERVICES_PAGINATION_H_
#define SIMCLR_SERVER_SERVICES_PAGINATION_H_

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "grpcpp/support/status.h"

namespace simclr::server {

// Calls add(item) for the page of `items` the request asks for and sets
// *next_token (empty on the last page); INVALID_ARGUMENT for a page_size
// out of range or a token `rpc` did not hand out.
template <typename T, typename Add>
grpc::Status Paginate(int32_t page_size, const std::string& page_token,
                      const std::vector<T>& items, const char* rpc, Add add,
                      std::string* next_token) {
  if (page_size < 0 || page_size > 1000) {
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                        absl::StrCat("page_size: ", page_size, " is outside [0, 1000]"));
  }
  int64_t start = 0;
  if (!page_token.empty() && (!absl::SimpleAtoi(page_token, &start) || start < 0)) {
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                        absl::StrCat("page_token: not a token from ", rpc));
  }
  const auto total = static_cast<int64_t>(items.size());
  const int64_t end = std::min<int64_t>(start + (page_size == 0 ? 50 : page_size), total);
  for (int64_t i = start; i < end; ++i) add(items[static_cast<size_t>(i)]);
  next_token->clear();
  if (end < total) *next_token = std::to_string(end);
  return grpc::Status::OK;
}

}  // namespace simclr::server

#endif  // SIMCLR_SERVER_SERVICES_PAGINATION_H_
