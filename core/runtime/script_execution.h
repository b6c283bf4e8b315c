// How TorchScript encoders execute in a training process.
//
// Our encoders are torch::jit::Modules (so Python can load them), and by
// default TorchScript's graph executor profiles a module's first runs and
// then differentiates it symbolically. On CPU that autodiff graph expresses
// ReLU's gradient as `gt` + `mul` + `type_as` copies and adds fills and
// copies around BatchNorm: the LibTorch profiler put 225 of 819 ms of a
// small-CNN step in aten::mul, copy_ and fill_, which eager autograd does
// not run at all (bench_loader_vs_step --profile_trace, issue 7). With the
// optimisation off, the interpreter runs each op with eager autograd
// (threshold_backward, one native_batch_norm_backward): +8 % small CNN and
// +10 % ResNet-18 pure compute here. On CUDA the optimiser's fusers may pay
// off, and we have not measured there, so CUDA keeps the default.
#ifndef SIMCLR_CORE_RUNTIME_SCRIPT_EXECUTION_H_
#define SIMCLR_CORE_RUNTIME_SCRIPT_EXECUTION_H_

#include "c10/core/Device.h"

namespace simclr::core {

// Chooses the graph executor policy for a process whose jobs run on
// `device`: eager autograd on CPU, TorchScript's default elsewhere.
// Process-wide; call it before the first forward.
void ConfigureScriptExecution(const c10::Device& device);

// Whether the graph executor's optimisations are on now.
bool ScriptOptimizationEnabled();

}  // namespace simclr::core

#endif  // SIMCLR_CORE_RUNTIME_SCRIPT_EXECUTION_H_
