// What every simclrctl command group shares: the exit codes, the global
// options (server, credentials, deadline, --json), JSON printing and a
// progress line for transfers.
//
// Exit codes: 0 success; 1 the server answered with an error or is not
// serving; 2 bad usage; 3 a watched job ended without succeeding.
#ifndef SIMCLR_CLIENT_CLI_COMMON_H_
#define SIMCLR_CLIENT_CLI_COMMON_H_

#include <cstdint>
#include <iostream>
#include <string>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "client/channel.h"
#include "google/protobuf/message.h"

namespace simclr::client {

inline constexpr int kExitOk = 0;
inline constexpr int kExitError = 1;
inline constexpr int kExitUsage = 2;
inline constexpr int kExitJobUnsuccessful = 3;

// The global options, as parsed.
struct CliContext {
  ChannelOptions channel;
  double timeout_seconds = 10;
  bool json = false;

  absl::Duration timeout() const { return absl::Seconds(timeout_seconds); }
};

// Protobuf JSON with the .proto field names, on one line.
std::string Json(const google::protobuf::Message& message);

// "simclrctl WHAT: STATUS" on stderr; returns kExitError.
int Fail(const std::string& what, const absl::Status& status);

// A progress line with rate and ETA on a terminal (stderr); nothing
// otherwise.
class ProgressLine {
 public:
  ProgressLine();
  ~ProgressLine();
  void operator()(int64_t done_bytes, int64_t total_bytes);

 private:
  const bool tty_;
  const absl::Time start_;
  absl::Time last_ = absl::InfinitePast();
};

}  // namespace simclr::client

#endif  // SIMCLR_CLIENT_CLI_COMMON_H_
