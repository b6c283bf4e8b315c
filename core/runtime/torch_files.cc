#include "core/runtime/torch_files.h"

#include <sstream>

#include "core/common/atomic_file.h"
#include "core/runtime/torch_status.h"
#include "torch/serialize.h"

namespace simclr::core {
namespace {

// Runs `save` into a string stream (which cannot fail to write), then
// writes the bytes.
template <typename Save>
absl::Status SaveVia(const char* what, const std::string& path, Save save) {
  std::ostringstream bytes;
  if (auto status = CallTorch(what, [&] { save(bytes); }); !status.ok()) return status;
  return WriteWholeFile(path, bytes.str());
}

}  // namespace

absl::Status SaveModule(const torch::jit::Module& module, const std::string& path) {
  return SaveVia("save TorchScript module", path, [&](std::ostream& out) { module.save(out); });
}

bool AllOnCpu(const torch::jit::Module& module) {
  for (const auto& p : module.parameters()) {
    if (!p.device().is_cpu()) return false;
  }
  for (const auto& b : module.buffers()) {
    if (!b.device().is_cpu()) return false;
  }
  return true;
}

torch::jit::Module ModuleOnCpu(const torch::jit::Module& module) {
  if (AllOnCpu(module)) return module;
  torch::jit::Module copy = module.deepcopy();
  copy.to(torch::Device(torch::kCPU));
  return copy;
}

absl::Status SaveArchive(torch::serialize::OutputArchive& archive, const std::string& path) {
  return SaveVia("save archive", path, [&](std::ostream& out) { archive.save_to(out); });
}

absl::Status SaveTensor(const at::Tensor& tensor, const std::string& path) {
  return SaveVia("save tensor", path, [&](std::ostream& out) { torch::save(tensor, out); });
}

}  // namespace simclr::core
