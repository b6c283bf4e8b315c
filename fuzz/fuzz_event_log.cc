// A worker's event stream (length-delimited JobEvents) as simclrd reads
// it: each event is folded into the job, and both are encoded for the
// store, which must always be able to read them back.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <sstream>

#include "core/common/event_sink.h"
#include "server/jobs/job_records.h"
#include "server/store/records.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::istringstream in(std::string(reinterpret_cast<const char*>(data), size));
  auto events = simclr::core::ReadDelimitedEvents(in);
  if (!events.ok()) return 0;
  simclr::v1::Job job;
  job.set_id("job-0123456789ab");
  uint64_t seq = 0;
  for (auto& event : *events) {
    event.set_seq(++seq);
    simclr::server::ApplyWorkerEvent(event, job);
    simclr::v1::JobEvent stored_event;
    simclr::v1::Job stored_job;
    if (!stored_event.ParseFromString(simclr::server::EncodeRecord(event)) ||
        !stored_job.ParseFromString(simclr::server::EncodeRecord(job))) {
      std::abort();  // a record the store could not read back
    }
  }
  return 0;
}
