#include "core/runtime/device.h"

#include <string>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "torch/cuda.h"

namespace simclr::core {

int CudaDeviceCount() {
  return torch::cuda::is_available()
             ? static_cast<int>(torch::cuda::device_count())
             : 0;
}

absl::StatusOr<c10::Device> ResolveDevice(absl::string_view text) {
  if (text.empty() || text == "cpu") return c10::Device(c10::DeviceType::CPU);

  // Parse ourselves rather than through c10::Device(std::string), which
  // throws on bad input and accepts device types we do not support.
  constexpr absl::string_view kCuda = "cuda";
  if (text.substr(0, kCuda.size()) != kCuda) {
    return absl::InvalidArgumentError(absl::StrCat(
        "device \"", text, "\": expected \"cpu\", \"cuda\" or \"cuda:N\""));
  }
  int index = 0;
  const absl::string_view rest = text.substr(kCuda.size());
  if (!rest.empty()) {
    int parsed = -1;
    if (rest[0] != ':' || !absl::SimpleAtoi(rest.substr(1), &parsed) ||
        parsed < 0 || parsed > 255) {
      return absl::InvalidArgumentError(absl::StrCat(
          "device \"", text, "\": expected \"cuda:N\" with N in [0, 255]"));
    }
    index = parsed;
  }
  const int available = CudaDeviceCount();
  if (index >= available) {
    return absl::FailedPreconditionError(
        absl::StrCat("device \"", text, "\": this process sees ", available,
                     " CUDA device(s)",
                     available == 0 ? " (CPU-only LibTorch or no GPU)" : ""));
  }
  return c10::Device(c10::DeviceType::CUDA,
                     static_cast<c10::DeviceIndex>(index));
}

}  // namespace simclr::core
