// A loopback TCP port that was free a moment ago (bound to port 0 and
// released): for MASTER_PORT in tests that start ranks. Another process
// may take it in between; tests that use it are short.
#ifndef SIMCLR_TESTS_TESTING_FREE_PORT_H_
#define SIMCLR_TESTS_TESTING_FREE_PORT_H_

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

namespace simclr::testing {

inline int FreeLoopbackPort() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return -1;
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = 0;
  socklen_t length = sizeof(address);
  int port = -1;
  if (bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0 &&
      getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) == 0) {
    port = ntohs(address.sin_port);
  }
  close(fd);
  return port;
}

}  // namespace simclr::testing

#endif  // SIMCLR_TESTS_TESTING_FREE_PORT_H_
