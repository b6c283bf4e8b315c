// Picks BLIS's kernels on CPUs that Debian 12's BLIS (0.9.0) does not know.
//
// BLIS chooses its kernels once, at its first call, from cpuid. On a CPU
// newer than its tables it falls back to the portable C kernels, silently:
// on this project's AMD EPYC (family 0x1A, Zen 5) `BLIS_ARCH_DEBUG=1` shows
// "selecting sub-configuration 'generic'", and a 500×785 by 785×60000
// product (the linear probe's shape) took 1,857 ms against 679 ms with the
// AVX-512 'skx' kernels. LibTorch sends every float matrix product (linear
// layers, the probe) to libblas.so.3, which the install points at BLIS.
//
// BLIS lets the environment override its choice (BLIS_ARCH_TYPE, an arch_t
// number), so every main() calls ChooseBlisKernels() before any thread or
// matrix product starts. A BLIS_ARCH_TYPE the user set always wins.
#ifndef SIMCLR_CORE_COMMON_BLIS_KERNELS_H_
#define SIMCLR_CORE_COMMON_BLIS_KERNELS_H_

#include <optional>
#include <string>

namespace simclr::core {

// What BLIS 0.9.0's choice depends on.
struct CpuIdentity {
  bool amd = false;
  int family = 0;  // cpuid's display family: base + extended
  bool avx2_fma = false;
  bool avx512 = false;  // F, DQ, BW and VL: what BLIS's skx kernels use
};

CpuIdentity ReadCpuIdentity();

// The BLIS_ARCH_TYPE value to set on `cpu`, or nullopt where BLIS 0.9.0
// is left to choose: Intel, and AMD up to family 0x19, the newest in its
// tables (only family 0x1A was seen falling back). Newer AMD families get
// the Intel kernels their instruction set runs: skx (arch_t 0) with
// AVX-512, else haswell (arch_t 3). Measured on Zen 5: skx 679 ms,
// haswell 919 ms, BLIS's own zen3 885 ms for the product above.
std::optional<std::string> BlisArchTypeFor(const CpuIdentity& cpu);

// Sets BLIS_ARCH_TYPE for this process and its children unless already
// set. Returns what it did, for the log: "" when it left BLIS alone.
std::string ChooseBlisKernels();

}  // namespace simclr::core

#endif  // SIMCLR_CORE_COMMON_BLIS_KERNELS_H_
