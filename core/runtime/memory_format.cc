#include "core/runtime/memory_format.h"

#include "torch/script.h"

namespace simclr::core {

c10::MemoryFormat ConvMemoryFormat(const c10::Device& device) {
  return device.is_cpu() ? c10::MemoryFormat::ChannelsLast
                         : c10::MemoryFormat::Contiguous;
}

void ToMemoryFormat(torch::jit::Module& module, c10::MemoryFormat format) {
  at::NoGradGuard no_grad;
  for (at::Tensor p : module.parameters(/*recurse=*/true)) {
    if (p.dim() == 4 && !p.is_contiguous(format)) {
      p.set_data(p.contiguous(format));
    }
  }
}

}  // namespace simclr::core
