// A failed write or sync as a Status. A full disk or quota (ENOSPC, EDQUOT)
// is RESOURCE_EXHAUSTED, as gRPC names it ("the entire file system is out
// of space"), so a client can tell it from a server fault (INTERNAL).
#ifndef SIMCLR_CORE_COMMON_IO_ERRORS_H_
#define SIMCLR_CORE_COMMON_IO_ERRORS_H_

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace simclr::core {

// `what` names the write, e.g. "cannot store images"; `error_number` is
// errno right after the failed call.
absl::Status WriteError(absl::string_view what, int error_number);

}  // namespace simclr::core

#endif  // SIMCLR_CORE_COMMON_IO_ERRORS_H_
