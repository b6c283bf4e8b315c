#include "core/common/event_sink.h"

#include <chrono>

#include "absl/strings/str_cat.h"
#include "core/common/proto_strings.h"
#include "google/protobuf/io/zero_copy_stream_impl.h"
#include "google/protobuf/util/delimited_message_util.h"
#include "google/protobuf/util/json_util.h"
#include "google/protobuf/util/time_util.h"

namespace simclr::core {

void EmitLog(EventSink& events, const std::string& message,
             v1::LogLine::Severity severity) {
  v1::JobEvent event;
  event.mutable_log()->set_severity(severity);
  event.mutable_log()->set_message(message);
  events.Emit(std::move(event));
}
namespace {

// Every event leaves the worker parseable and bounded: a message quoting a
// file name that is not UTF-8 would otherwise not parse in simclrd.
constexpr size_t kMaxEventStringBytes = 4096;

void Stamp(v1::JobEvent& event) {
  SanitizeStrings(event, kMaxEventStringBytes);
  if (!event.has_time()) {
    *event.mutable_time() = google::protobuf::util::TimeUtil::GetCurrentTime();
  }
}

}  // namespace

void FileSink::Emit(v1::JobEvent event) {
  Stamp(event);
  std::string frame;
  if (format_ == Format::kDelimited) {
    const std::string bytes = event.SerializeAsString();
    {
      google::protobuf::io::StringOutputStream stream(&frame);
      google::protobuf::io::CodedOutputStream coded(&stream);
      coded.WriteVarint32(static_cast<uint32_t>(bytes.size()));
    }
    frame += bytes;
  } else {
    google::protobuf::util::JsonPrintOptions options;
    options.preserve_proto_field_names = true;
    if (!google::protobuf::util::MessageToJsonString(event, &frame, options)
             .ok()) {
      frame = "{}";
    }
    frame += "\n";
  }
  absl::MutexLock lock(&mu_);
  fwrite(frame.data(), 1, frame.size(), file_);
  fflush(file_);
}

void CollectingSink::Emit(v1::JobEvent event) {
  Stamp(event);
  absl::MutexLock lock(&mu_);
  events_.push_back(std::move(event));
}

std::vector<v1::JobEvent> CollectingSink::events() const {
  absl::MutexLock lock(&mu_);
  return events_;
}

absl::StatusOr<std::vector<v1::JobEvent>> ReadDelimitedEvents(
    std::istream& in) {
  google::protobuf::io::IstreamInputStream stream(&in);
  std::vector<v1::JobEvent> events;
  for (;;) {
    v1::JobEvent event;
    bool clean_eof = false;
    if (!google::protobuf::util::ParseDelimitedFromZeroCopyStream(
            &event, &stream, &clean_eof)) {
      if (clean_eof) return events;
      return absl::DataLossError(absl::StrCat(
          "event stream: event ", events.size(), " is truncated or corrupt"));
    }
    events.push_back(std::move(event));
  }
}

}  // namespace simclr::core
