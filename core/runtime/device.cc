#include "core/runtime/device.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "core/common/status_macros.h"
#include "core/spec/device_name.h"
#include "torch/cuda.h"

namespace simclr::core {

int CudaDeviceCount() {
  return torch::cuda::is_available()
             ? static_cast<int>(torch::cuda::device_count())
             : 0;
}

absl::StatusOr<c10::Device> ResolveDevice(absl::string_view text) {
  SIMCLR_ASSIGN_OR_RETURN(const DeviceName name, ParseDeviceName(text));
  if (!name.cuda) return c10::Device(c10::DeviceType::CPU);
  const int index = name.index;
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
