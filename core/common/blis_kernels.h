// Picks BLIS's kernels where Debian 12's BLIS (0.9.0) would run its
// portable C ones.
//
// BLIS chooses its kernels once, at its first call, from cpuid. On a CPU
// newer than its tables it can fall back silently to 'generic': on this
// project's AMD EPYC (family 0x1A, Zen 5) `BLIS_ARCH_DEBUG=1` showed
// "selecting sub-configuration 'generic'", and a 500×785 by 785×60000
// product (the linear probe's shape) took 1,857 ms against 679 ms with the
// AVX-512 'skx' kernels. LibTorch sends every float matrix product (linear
// layers, the probe) to libblas.so.3, which the install points at BLIS.
//
// The decision asks BLIS itself (BlisOwnChoice), not a list of CPU models,
// and only overrides 'generic'. On an Intel Xeon with AVX-512 BLIS takes
// 'haswell' ("Number of FMA units unknown"), and that is kept: measured on
// 2 threads there (bench_blis_kernels, bench_compute_peak), skx runs a
// 2048² sgemm at 129 GFLOP/s against 69, but the linear probe on raw
// pixels took 134 s against 77 s (0.58×: its products have 10 rows per
// problem, which haswell's 6×16 micro-kernel tiles and skx's 32×12 does
// not), and the width-2 small CNN's training step ran at the same speed
// (its convolutions are oneDNN's).
//
// BLIS lets the environment override its choice (BLIS_ARCH_TYPE, an arch_t
// number), so every main() calls ChooseBlisKernels() before any thread or
// matrix product starts. A BLIS_ARCH_TYPE the user set always wins.
#ifndef SIMCLR_CORE_COMMON_BLIS_KERNELS_H_
#define SIMCLR_CORE_COMMON_BLIS_KERNELS_H_

#include <optional>
#include <string>

namespace simclr::core {

// What the replacement for 'generic' depends on.
struct CpuIdentity {
  bool amd = false;
  int family = 0;  // cpuid's display family: base + extended
  bool avx2_fma = false;
  bool avx512 = false;  // F, DQ, BW and VL: what BLIS's skx kernels use
};

CpuIdentity ReadCpuIdentity();

// The sub-configuration BLIS picks on this CPU by itself ("generic",
// "haswell", "zen3", …), as a private copy of BLIS (libblis.so.4, loaded
// with dlopen, whose choice does not touch libblas.so.3's) reports it.
// "" when that library cannot be loaded. Ignores BLIS_ARCH_TYPE only if
// it is unset: call it before setting one.
std::string BlisOwnChoice();

// The BLIS_ARCH_TYPE value to set, or nullopt to leave BLIS's choice:
// only 'generic' is replaced, by skx (arch_t 0) where the CPU has
// AVX-512 F, DQ, BW and VL, else by haswell (arch_t 3) with AVX2 and FMA.
// Measured on Zen 5: skx 679 ms, haswell 919 ms for the product above.
std::optional<std::string> BlisArchTypeFor(const CpuIdentity& cpu,
                                           const std::string& blis_choice);

// Sets BLIS_ARCH_TYPE for this process and its children unless already
// set. Returns what it did, for the log: "" when it left BLIS alone.
std::string ChooseBlisKernels();

}  // namespace simclr::core

#endif  // SIMCLR_CORE_COMMON_BLIS_KERNELS_H_
