// A JobSpec as a client writes it (JSON, what simclrctl and simclr-worker
// read) through ValidateJobSpec, the one validator simclrd's SubmitJob
// runs. A spec that validates must also survive a JSON round trip and
// validate again.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "absl/strings/string_view.h"
#include "core/common/job_spec_json.h"
#include "core/spec/job_kinds.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const absl::string_view json(reinterpret_cast<const char*>(data), size);
  auto spec = simclr::core::ParseJobSpecJson(json, "fuzz");
  if (!spec.ok()) return 0;
  if (!simclr::core::ValidateJobSpec(*spec).ok()) return 0;
  auto again = simclr::core::JobSpecToJson(*spec);
  if (!again.ok()) std::abort();
  auto reparsed = simclr::core::ParseJobSpecJson(*again, "round trip");
  if (!reparsed.ok() || !simclr::core::ValidateJobSpec(*reparsed).ok()) std::abort();
  return 0;
}
