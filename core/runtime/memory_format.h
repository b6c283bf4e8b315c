// The memory layout of convolution weights (and so of activations) in
// training.
//
// On CPU, oneDNN convolves NHWC (channels-last) tensors as they are; with
// the default NCHW layout every convolution reorders its input, weight and
// output into a blocked layout and back, forward and backward. With the
// weights in channels-last, each convolution's output follows, so the whole
// network runs NHWC after one reorder of the input. Measured with
// bench_loader_vs_step (2 cores, alternating rounds, issue 7): ResNet-18
// 32×32 end to end +10 %, small CNN +7 %. CUDA keeps NCHW: not measured
// there (no GPU lent), and cuDNN's choice depends on dtype and GPU.
#ifndef SIMCLR_CORE_RUNTIME_MEMORY_FORMAT_H_
#define SIMCLR_CORE_RUNTIME_MEMORY_FORMAT_H_

#include "c10/core/Device.h"
#include "c10/core/MemoryFormat.h"

namespace torch::jit {
struct Module;
}  // namespace torch::jit

namespace simclr::core {

// The layout to train convolutions in on `device`.
c10::MemoryFormat TrainingMemoryFormat(const c10::Device& device);

// Re-lays every 4-D parameter of `module` (and its submodules) out in
// `format`, in place: the parameters stay the same tensors, so optimisers
// and parameter lists taken before still hold them. Values do not change.
void ToMemoryFormat(torch::jit::Module& module, c10::MemoryFormat format);

}  // namespace simclr::core

#endif  // SIMCLR_CORE_RUNTIME_MEMORY_FORMAT_H_
