// Where a job's JobEvents go.
//
// The worker writes them to stdout as length-delimited protobufs (varint
// size, then the message), which simclrd reads, persists and fans out;
// tests collect them in memory. Implementations are thread-safe.
#ifndef SIMCLR_CORE_COMMON_EVENT_SINK_H_
#define SIMCLR_CORE_COMMON_EVENT_SINK_H_

#include <cstdio>
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

// Length-delimited events on a stdio stream, flushed after each event so a
// reader sees progress as it happens.
class DelimitedFileSink : public EventSink {
 public:
  explicit DelimitedFileSink(FILE* file) : file_(file) {}
  void Emit(v1::JobEvent event) override;

 private:
  absl::Mutex mu_;
  FILE* file_ ABSL_GUARDED_BY(mu_);
};

// One JSON object per line (protobuf's JSON mapping), for people reading a
// standalone worker's output.
class JsonLinesFileSink : public EventSink {
 public:
  explicit JsonLinesFileSink(FILE* file) : file_(file) {}
  void Emit(v1::JobEvent event) override;

 private:
  absl::Mutex mu_;
  FILE* file_ ABSL_GUARDED_BY(mu_);
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
