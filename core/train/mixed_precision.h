// Mixed precision for CUDA training: autocast plus dynamic loss scaling,
// the C++ counterpart of torch.cuda.amp.autocast and GradScaler (which
// LibTorch's C++ API does not have).
//
// Autocast runs matmuls and convolutions in float16 on CUDA; the loss is
// computed in float32. Because float16 gradients underflow, the loss is
// multiplied by a scale before backward and the gradients divided by it
// before the step; a step whose gradients are not finite is skipped and the
// scale halved, and after `growth_interval` finite steps it doubles.
#ifndef SIMCLR_CORE_TRAIN_MIXED_PRECISION_H_
#define SIMCLR_CORE_TRAIN_MIXED_PRECISION_H_

#include <cstdint>
#include <vector>

#include "ATen/core/Tensor.h"
#include "c10/core/Device.h"

namespace simclr::core {

// While alive, CUDA autocast (float16) is on for this thread if `enabled`
// and `device` is CUDA; otherwise it does nothing. Restores the previous
// state on destruction.
class AutocastScope {
 public:
  AutocastScope(bool enabled, c10::Device device);
  ~AutocastScope();
  AutocastScope(const AutocastScope&) = delete;
  AutocastScope& operator=(const AutocastScope&) = delete;

  bool active() const { return active_; }

 private:
  bool active_ = false;
  bool previous_ = false;
};

class DynamicLossScaler {
 public:
  struct State {
    double scale = 65536.0;
    int64_t good_steps = 0;
    int64_t skipped_steps = 0;
  };

  // A disabled scaler passes losses and gradients through unchanged.
  explicit DynamicLossScaler(bool enabled, int64_t growth_interval = 2000);

  // loss × scale (or loss itself when disabled).
  at::Tensor Scale(const at::Tensor& loss) const;

  // Divides the gradients of `parameters` by the scale and reports whether
  // all are finite. Updates the scale: halves it (and counts a skipped
  // step) when they are not; doubles it after growth_interval finite steps.
  // The caller steps the optimizer only when this returns true.
  bool UnscaleAndUpdate(const std::vector<at::Tensor>& parameters);

  bool enabled() const { return enabled_; }
  const State& state() const { return state_; }
  void Restore(const State& state) { state_ = state; }

 private:
  bool enabled_;
  int64_t growth_interval_;
  State state_;
};

}  // namespace simclr::core

#endif  // SIMCLR_CORE_TRAIN_MIXED_PRECISION_H_
