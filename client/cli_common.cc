#include "client/cli_common.h"

#include <unistd.h>

#include "absl/strings/str_format.h"
#include "google/protobuf/util/json_util.h"

namespace simclr::client {

std::string Json(const google::protobuf::Message& message) {
  std::string json;
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = true;
  if (!google::protobuf::util::MessageToJsonString(message, &json, options).ok()) {
    return "{}";
  }
  return json;
}

int Fail(const std::string& what, const absl::Status& status) {
  std::cerr << "simclrctl " << what << ": " << status << "\n";
  return kExitError;
}

ProgressLine::ProgressLine() : tty_(isatty(2) != 0), start_(absl::Now()) {}

ProgressLine::~ProgressLine() {
  if (tty_) std::cerr << "\n";
}

void ProgressLine::operator()(int64_t done_bytes, int64_t total_bytes) {
  if (!tty_ || absl::Now() - last_ < absl::Milliseconds(100)) return;
  const auto done = static_cast<double>(done_bytes);
  const auto total = static_cast<double>(total_bytes);
  last_ = absl::Now();
  const double seconds = absl::ToDoubleSeconds(last_ - start_);
  const double rate = seconds > 0 ? done / seconds : 0;
  std::cerr << absl::StrFormat("\r  %.1f / %.1f MB  %.1f MB/s  eta %.0fs   ",
                               done / 1e6, total / 1e6, rate / 1e6,
                               rate > 0 ? (total - done) / rate : 0.0);
}

}  // namespace simclr::client
