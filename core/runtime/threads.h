// Explicit LibTorch thread counts.
//
// LibTorch's intra-op default here is 1 thread, in C++ and Python alike,
// even on 2 cores (STACK.md pitfall 3), so every binary sets it from a flag
// instead of trusting the default.
#ifndef SIMCLR_CORE_RUNTIME_THREADS_H_
#define SIMCLR_CORE_RUNTIME_THREADS_H_

#include "absl/status/status.h"

namespace simclr::core {

// Sets LibTorch's intra-op pool to `intra_op` threads; 0 means one per
// hardware thread. INVALID_ARGUMENT outside [0, 1024].
absl::Status ConfigureTorchThreads(int intra_op);

// The intra-op thread count LibTorch will use now.
int TorchIntraOpThreads();

}  // namespace simclr::core

#endif  // SIMCLR_CORE_RUNTIME_THREADS_H_
