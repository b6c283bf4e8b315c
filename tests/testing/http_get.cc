#include "tests/testing/http_get.h"

#include <unistd.h>

#include <cstdio>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

namespace simclr::testing {

absl::StatusOr<HttpResponse> HttpGet(int port, const std::string& path) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return absl::InternalError("socket failed");
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) !=
      0) {
    close(fd);
    return absl::UnavailableError(
        absl::StrCat("nothing listens on port ", port));
  }
  const std::string request =
      absl::StrCat("GET ", path, " HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n");
  if (write(fd, request.data(), request.size()) !=
      static_cast<ssize_t>(request.size())) {
    close(fd);
    return absl::InternalError("short write");
  }
  std::string raw;
  char buffer[8192];
  ssize_t n;
  while ((n = read(fd, buffer, sizeof(buffer))) > 0) raw.append(buffer, n);
  close(fd);

  const auto header_end = raw.find("\r\n\r\n");
  if (header_end == std::string::npos) {
    return absl::DataLossError(absl::StrCat("no HTTP header in: ", raw));
  }
  HttpResponse response;
  response.body = raw.substr(header_end + 4);
  const std::vector<std::string> lines =
      absl::StrSplit(raw.substr(0, header_end), "\r\n");
  if (lines.empty() || std::sscanf(lines[0].c_str(), "HTTP/%*s %d",
                                   &response.status_code) != 1) {
    return absl::DataLossError(absl::StrCat("bad status line in: ", raw));
  }
  for (const auto& line : lines) {
    if (absl::StartsWithIgnoreCase(line, "content-type:")) {
      response.content_type = std::string(absl::StripAsciiWhitespace(
          absl::string_view(line).substr(sizeof("content-type:") - 1)));
    }
  }
  return response;
}

}  // namespace simclr::testing
