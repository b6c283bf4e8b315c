// Where a job's JobEvents go.
//
// The worker writes them to stdout as length-delimited protobufs (varint
// size, then the message), which simclrd reads, persists and fans out;
// tests collect them in memory. Implementations are thread-safe.
#ifndef SIMCLR_CORE_COMMON_EVENT_SINK_H_
#define SIMCLR_CORE_COMMON_EVENT_SINK_H_

#include <cstdio>
#include <string>
#include <istream>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "simclr/v1/job.pb.h"

namespace simclr::core {

class EventSink {
 public:
  virtual ~EventSink() = default;
  // Stamps the event's time and delivers it.
  virtual void Emit(v1::JobEvent event) = 0;
};

// Emits a LogLine event.
void EmitLog(EventSink& events, const std::string& message,
             v1::LogLine::Severity severity = v1::LogLine::SEVERITY_INFO);

// Events on a stdio stream, flushed after each so a reader sees progress as
// it happens: length-delimited protobufs (what simclrd reads), or one JSON
// object per line in protobuf's JSON mapping (for people).
class FileSink : public EventSink {
 public:
  enum class Format { kDelimited, kJsonLines };
  FileSink(FILE* file, Format format) : file_(file), format_(format) {}
  void Emit(v1::JobEvent event) override;

 private:
  absl::Mutex mu_;
  FILE* file_ ABSL_GUARDED_BY(mu_);
  const Format format_;
};

class CollectingSink : public EventSink {
 public:
  void Emit(v1::JobEvent event) override;
  std::vector<v1::JobEvent> events() const;

 private:
  mutable absl::Mutex mu_;
  std::vector<v1::JobEvent> events_ ABSL_GUARDED_BY(mu_);
};

// Parses a length-delimited event stream to its end. DATA_LOSS naming the
// event index if it is truncated or corrupt.
absl::StatusOr<std::vector<v1::JobEvent>> ReadDelimitedEvents(std::istream& in);

}  // namespace simclr::core

#endif  // SIMCLR_CORE_COMMON_EVENT_SINK_H_
