#include "core/runtime/script_execution.h"

#include "torch/csrc/jit/python/update_graph_executor_opt.h"

namespace simclr::core {

void ConfigureScriptExecution(const c10::Device& device) {
  torch::jit::setGraphExecutorOptimize(!device.is_cpu());
}

bool ScriptOptimizationEnabled() {
  return torch::jit::getGraphExecutorOptimize();
}

}  // namespace simclr::core
