// JobSpec <-> JSON, using protobuf's canonical JSON mapping.
//
// Job files (examples/jobs/*.json, `simclr-worker run --spec`) and the CLI
// use this one schema. Parsing is strict: an unknown field is an error, so
// a typo such as "temprature" never silently falls back to a default.
#ifndef SIMCLR_CORE_COMMON_JOB_SPEC_JSON_H_
#define SIMCLR_CORE_COMMON_JOB_SPEC_JSON_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "simclr/v1/job_spec.pb.h"

namespace simclr::core {

// Parses `json` as a JobSpec. `source` names where it came from (a path,
// "request") and prefixes every error message.
absl::StatusOr<v1::JobSpec> ParseJobSpecJson(absl::string_view json,
                                             absl::string_view source);

// Reads and parses a JobSpec JSON file. NOT_FOUND if it cannot be read.
absl::StatusOr<v1::JobSpec> ReadJobSpecFile(const std::string& path);

// Pretty-printed JSON with the proto field names (snake_case), the form the
// job files use. Fields at their default are omitted.
absl::StatusOr<std::string> JobSpecToJson(const v1::JobSpec& spec);

}  // namespace simclr::core

#endif  // SIMCLR_CORE_COMMON_JOB_SPEC_JSON_H_
