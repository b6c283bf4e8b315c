// The grammar of a device name ("cpu", "cuda" or "cuda:N"), without torch:
// the validator checks a spec's device with it, and core/runtime's
// ResolveDevice parses with it before it asks LibTorch what is there.
#ifndef SIMCLR_CORE_SPEC_DEVICE_NAME_H_
#define SIMCLR_CORE_SPEC_DEVICE_NAME_H_

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace simclr::core {

struct DeviceName {
  bool cuda = false;
  int index = 0;  // [0, 255]
};

// An empty string means "cpu". INVALID_ARGUMENT for anything else.
absl::StatusOr<DeviceName> ParseDeviceName(absl::string_view text);

}  // namespace simclr::core

#endif  // SIMCLR_CORE_SPEC_DEVICE_NAME_H_
