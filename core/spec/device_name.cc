#include "core/spec/device_name.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace simclr::core {

absl::StatusOr<DeviceName> ParseDeviceName(absl::string_view text) {
  if (text.empty() || text == "cpu") return DeviceName{};
  constexpr absl::string_view kCuda = "cuda";
  if (text.substr(0, kCuda.size()) != kCuda) {
    return absl::InvalidArgumentError(absl::StrCat(
        "device \"", text, "\": expected \"cpu\", \"cuda\" or \"cuda:N\""));
  }
  DeviceName name{true, 0};
  const absl::string_view rest = text.substr(kCuda.size());
  if (rest.empty()) return name;
  if (rest[0] != ':' || !absl::SimpleAtoi(rest.substr(1), &name.index) ||
      name.index < 0 || name.index > 255) {
    return absl::InvalidArgumentError(absl::StrCat(
        "device \"", text, "\": expected \"cuda:N\" with N in [0, 255]"));
  }
  return name;
}

}  // namespace simclr::core
