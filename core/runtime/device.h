// Parsing and checking the device a job or the server runs on.
//
// Every use of an accelerator goes through torch::Device (c10::Device), so
// the same code builds against Debian's CPU LibTorch 1.13 and an official
// CUDA LibTorch 2.x. Only <c10/core/Device.h> is included: cheap to parse.
#ifndef SIMCLR_CORE_RUNTIME_DEVICE_H_
#define SIMCLR_CORE_RUNTIME_DEVICE_H_

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "c10/core/Device.h"

namespace simclr::core {

// Parses "cpu", "cuda" or "cuda:N". An empty string means "cpu".
// INVALID_ARGUMENT for anything else; FAILED_PRECONDITION for a CUDA device
// this process cannot use (no CUDA build, no GPU, or N out of range).
absl::StatusOr<c10::Device> ResolveDevice(absl::string_view text);

// Number of CUDA devices this process can use; 0 on a CPU-only build.
int CudaDeviceCount();

}  // namespace simclr::core

#endif  // SIMCLR_CORE_RUNTIME_DEVICE_H_
