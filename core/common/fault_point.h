// A seam for crash tests: FaultPoint("dataset:renamed") ends the process
// at once (exit code kFaultExitCode, no destructors, no flushing: as a
// crash or a power cut would) when the environment variable
// SIMCLR_FAULT_POINT names that point. Unset, it costs one string compare.
#ifndef SIMCLR_CORE_COMMON_FAULT_POINT_H_
#define SIMCLR_CORE_COMMON_FAULT_POINT_H_

#include "absl/strings/string_view.h"

namespace simclr::core {

inline constexpr int kFaultExitCode = 86;

void FaultPoint(absl::string_view name);

}  // namespace simclr::core

#endif  // SIMCLR_CORE_COMMON_FAULT_POINT_H_
