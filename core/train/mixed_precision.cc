#include "core/train/mixed_precision.h"

#include <algorithm>

#include "ATen/autocast_mode.h"
#include "torch/torch.h"
#include "torch/version.h"

namespace simclr::core {
namespace {

// PyTorch 2.4 replaced the CUDA-only autocast switches with per-device ones
// (the old ones are deprecated); LibTorch 1.13 has only the old ones.
#if TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 4)
bool CudaAutocastEnabled() {
  return at::autocast::is_autocast_enabled(at::kCUDA);
}
void SetCudaAutocast(bool on) {
  at::autocast::set_autocast_dtype(at::kCUDA, at::kHalf);
  at::autocast::set_autocast_enabled(at::kCUDA, on);
}
#else
bool CudaAutocastEnabled() { return at::autocast::is_enabled(); }
void SetCudaAutocast(bool on) {
  at::autocast::set_autocast_gpu_dtype(at::kHalf);
  at::autocast::set_enabled(on);
}
#endif

}  // namespace

AutocastScope::AutocastScope(bool enabled, c10::Device device)
    : active_(enabled && device.is_cuda()) {
  if (!active_) return;
  previous_ = CudaAutocastEnabled();
  SetCudaAutocast(true);
  at::autocast::increment_nesting();
}

AutocastScope::~AutocastScope() {
  if (!active_) return;
  // Casts are cached per autocast region; drop them when the outermost ends.
  if (at::autocast::decrement_nesting() == 0) at::autocast::clear_cache();
  SetCudaAutocast(previous_);
}

DynamicLossScaler::DynamicLossScaler(bool enabled, int64_t growth_interval)
    : enabled_(enabled), growth_interval_(growth_interval) {}

at::Tensor DynamicLossScaler::Scale(const at::Tensor& loss) const {
  return enabled_ ? loss * state_.scale : loss;
}

bool DynamicLossScaler::UnscaleAndUpdate(
    const std::vector<at::Tensor>& parameters) {
  if (!enabled_) return true;
  torch::NoGradGuard no_grad;
  // One device-side flag for all gradients, read back once.
  at::Tensor all_finite;
  const double inverse = 1.0 / state_.scale;
  for (const at::Tensor& p : parameters) {
    at::Tensor grad = p.grad();
    if (!grad.defined()) continue;
    grad.mul_(inverse);
    at::Tensor finite = torch::isfinite(grad).all();
    all_finite = all_finite.defined() ? all_finite.logical_and(finite) : finite;
  }
  const bool finite = !all_finite.defined() || all_finite.item<bool>();
  if (!finite) {
    state_.scale = std::max(state_.scale / 2, 1.0);
    state_.good_steps = 0;
    ++state_.skipped_steps;
    return false;
  }
  if (++state_.good_steps >= growth_interval_) {
    state_.scale *= 2;
    state_.good_steps = 0;
  }
  return true;
}

}  // namespace simclr::core
