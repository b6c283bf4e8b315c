// The List RPCs' paging (AIP-158 style): page_size in [0, 1000] with 0
// meaning 50, and a page_token that is the index of the next item.
#ifndef SIMCLR_SERVER_SERVICES_PAGINATION_H_
#define SIMCLR_SERVER_SERVICES_PAGINATION_H_

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "grpcpp/support/status.h"

namespace simclr::server {

// Replies stay below the 8 MiB message limit by construction: a page stops
// before its items' serialized bytes pass this (each stored record is
// bounded far below it, so every page holds at least one).
inline constexpr size_t kMaxPageBytes = size_t{4} << 20;

// Calls add(item) for the page of `items` the request asks for and sets
// *next_token (empty on the last page); INVALID_ARGUMENT for a page_size
// out of range or a token `rpc` did not hand out. A page holds at most
// page_size items and kMaxPageBytes bytes; a token past the end (the list
// shrank) gives an empty last page.
template <typename T, typename Add>
grpc::Status Paginate(int32_t page_size, const std::string& page_token,
                      const std::vector<T>& items, const char* rpc, Add add,
                      std::string* next_token) {
  next_token->clear();
  if (page_size < 0 || page_size > 1000) {
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                        absl::StrCat("page_size: ", page_size, " is outside [0, 1000]"));
  }
  int64_t start = 0;
  const bool digits = std::all_of(page_token.begin(), page_token.end(),
                                  [](char c) { return c >= '0' && c <= '9'; });
  if (!page_token.empty() &&
      (!digits || page_token.size() > 18 || !absl::SimpleAtoi(page_token, &start))) {
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                        absl::StrCat("page_token: not a token from ", rpc));
  }
  const auto total = static_cast<int64_t>(items.size());
  const int64_t limit = page_size == 0 ? 50 : page_size;
  size_t bytes = 0;
  int64_t i = std::min(start, total);  // no arithmetic on the client's number
  for (const int64_t first = i; i < total && i - first < limit; ++i) {
    const size_t size = items[static_cast<size_t>(i)].ByteSizeLong();
    if (i > first && bytes + size > kMaxPageBytes) break;
    bytes += size;
    add(items[static_cast<size_t>(i)]);
  }
  if (i < total) *next_token = std::to_string(i);
  return grpc::Status::OK;
}

// For lists paged by the store (keyset paging): the page size (0 → 50)
// and the rowid the page starts before, from a token Paginate's rules
// accept (digits only, at most 18); 0 for the first page.
inline grpc::Status PageWindow(int32_t page_size, const std::string& page_token,
                               const char* rpc, int* limit, int64_t* before) {
  if (page_size < 0 || page_size > 1000) {
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                        absl::StrCat("page_size: ", page_size, " is outside [0, 1000]"));
  }
  *limit = page_size == 0 ? 50 : page_size;
  *before = 0;
  const bool digits = std::all_of(page_token.begin(), page_token.end(),
                                  [](char c) { return c >= '0' && c <= '9'; });
  if (!page_token.empty() && (!digits || page_token.size() > 18 ||
                              !absl::SimpleAtoi(page_token, before) || *before < 1)) {
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                        absl::StrCat("page_token: not a token from ", rpc));
  }
  return grpc::Status::OK;
}

}  // namespace simclr::server

#endif  // SIMCLR_SERVER_SERVICES_PAGINATION_H_
