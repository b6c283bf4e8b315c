// Saving LibTorch objects without risking the process.
//
// LibTorch's file writer finishes the zip in its destructor, and throws
// there when a write fails (a full disk): std::terminate, SIGABRT, and a
// job that dies instead of failing (seen on a full tmpfs, LibTorch 1.13).
// These serialize to memory instead and write the bytes with checked I/O
// (core::WriteWholeFile): RESOURCE_EXHAUSTED on a full disk.
#ifndef SIMCLR_CORE_RUNTIME_TORCH_FILES_H_
#define SIMCLR_CORE_RUNTIME_TORCH_FILES_H_

#include <string>

#include "absl/status/status.h"
#include "torch/script.h"
#include "torch/serialize/output-archive.h"

namespace simclr::core {

absl::Status SaveModule(const torch::jit::Module& module, const std::string& path);

// `module` itself when all its tensors are on the CPU, else a deep copy
// moved there: what a saved encoder.pt holds, so that a CUDA job's
// checkpoint loads on a CPU-only machine without map_location.
torch::jit::Module ModuleOnCpu(const torch::jit::Module& module);
// Whether every parameter and buffer of `module` is on the CPU.
bool AllOnCpu(const torch::jit::Module& module);
absl::Status SaveArchive(torch::serialize::OutputArchive& archive, const std::string& path);
absl::Status SaveTensor(const at::Tensor& tensor, const std::string& path);

}  // namespace simclr::core

#endif  // SIMCLR_CORE_RUNTIME_TORCH_FILES_H_
