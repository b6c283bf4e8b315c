// A minimal HTTP/1.0 GET over loopback, so tests scrape /metrics as
// Prometheus would, without a client library.
#ifndef SIMCLR_TESTS_TESTING_HTTP_GET_H_
#define SIMCLR_TESTS_TESTING_HTTP_GET_H_

#include <string>

#include "absl/status/statusor.h"

namespace simclr::testing {

struct HttpResponse {
  int status_code = 0;
  // The Content-Type header value, or "".
  std::string content_type;
  std::string body;
};

// GET http://127.0.0.1:<port><path>. UNAVAILABLE if nothing listens.
absl::StatusOr<HttpResponse> HttpGet(int port, const std::string& path);

}  // namespace simclr::testing

#endif  // SIMCLR_TESTS_TESTING_HTTP_GET_H_
