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
    // Judged by the strides' suggestion, not is_contiguous(format): with one
    // input channel a weight is contiguous in both layouts, contiguous()
    // keeps its NCHW strides, and oneDNN then ran the whole first block in
    // NCHW (reordering at the second convolution, forward and backward).
    if (p.dim() == 4 && p.suggest_memory_format() != format) {
      p.set_data(at::empty_like(p, p.options(), format).copy_(p));
    }
  }
}

}  // namespace simclr::core
