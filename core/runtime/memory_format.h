// The memory layout of convolution weights (and so of activations) for
// training and inference.
//
// On CPU, oneDNN convolves NHWC (channels-last) tensors as they are; with
// the default NCHW layout every convolution reorders its input, weight and
// output into a blocked layout and back, forward and backward. With the
// weights in channels-last, each convolution's output follows, so the whole
// network runs NHWC after one reorder of the input. Measured on 2 cores
// (issue 7, bench/results/2026-11-28-profile.md): training end to end
// ResNet-18 32×32 +7 %, small CNN +7 %; a batch-64 forward on 1 thread
// (timed in Python on the same kernels),
// small CNN 33.6 → 19.5 ms, ResNet-18 unchanged. Applied at load as well,
// so a checkpoint serves alike wherever it was trained (TorchScript keeps
// the strides it was saved with). CUDA keeps NCHW: not measured there (no
// GPU lent), and cuDNN's choice depends on dtype and GPU.
#ifndef SIMCLR_CORE_RUNTIME_MEMORY_FORMAT_H_
#define SIMCLR_CORE_RUNTIME_MEMORY_FORMAT_H_

#include "c10/core/Device.h"
#include "c10/core/MemoryFormat.h"

namespace torch::jit {
struct Module;
}  // namespace torch::jit

namespace simclr::core {

// The layout to run convolutions in on `device`.
c10::MemoryFormat ConvMemoryFormat(const c10::Device& device);

// Re-lays every 4-D parameter of `module` (and its submodules) out in
// `format`, in place: the parameters stay the same tensors, so optimisers
// and parameter lists taken before still hold them. Values do not change.
void ToMemoryFormat(torch::jit::Module& module, c10::MemoryFormat format);

}  // namespace simclr::core

#endif  // SIMCLR_CORE_RUNTIME_MEMORY_FORMAT_H_
