#include "core/common/blis_kernels.h"

#include <dlfcn.h>

#include <cstdlib>

#if defined(__x86_64__)
#include <cpuid.h>
#endif

namespace simclr::core {

CpuIdentity ReadCpuIdentity() {
  CpuIdentity cpu;
#if defined(__x86_64__)
  __builtin_cpu_init();
  cpu.amd = __builtin_cpu_is("amd");
  cpu.avx2_fma = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  cpu.avx512 = __builtin_cpu_supports("avx512f") &&
               __builtin_cpu_supports("avx512dq") &&
               __builtin_cpu_supports("avx512bw") &&
               __builtin_cpu_supports("avx512vl");
  unsigned eax = 0, ebx = 0, ecx = 0, edx = 0;
  if (__get_cpuid(1, &eax, &ebx, &ecx, &edx)) {
    const int base = static_cast<int>((eax >> 8) & 0xf);
    cpu.family = base == 0xf ? base + static_cast<int>((eax >> 20) & 0xff) : base;
  }
#endif
  return cpu;
}

std::string BlisOwnChoice() {
  // Not closed: BLIS may register finalisers, and the mapping is small.
  void* blis = dlopen("libblis.so.4", RTLD_NOW | RTLD_LOCAL);
  if (blis == nullptr) return "";
  using QueryId = int (*)();
  using ArchString = const char* (*)(int);
  const auto query = reinterpret_cast<QueryId>(dlsym(blis, "bli_arch_query_id"));
  const auto name = reinterpret_cast<ArchString>(dlsym(blis, "bli_arch_string"));
  if (query == nullptr || name == nullptr) return "";
  const char* chosen = name(query());
  return chosen == nullptr ? "" : chosen;
}

std::optional<std::string> BlisArchTypeFor(const CpuIdentity& cpu,
                                           const std::string& blis_choice) {
  if (blis_choice != "generic") return std::nullopt;
  if (cpu.avx512) return "0";    // BLIS_ARCH_SKX
  if (cpu.avx2_fma) return "3";  // BLIS_ARCH_HASWELL
  return std::nullopt;           // nothing faster than generic to offer
}

std::string ChooseBlisKernels() {
  if (std::getenv("BLIS_ARCH_TYPE") != nullptr) return "";
  const std::optional<std::string> arch = BlisArchTypeFor(ReadCpuIdentity(), BlisOwnChoice());
  if (!arch.has_value()) return "";
  setenv("BLIS_ARCH_TYPE", arch->c_str(), /*overwrite=*/0);
  return "BLIS_ARCH_TYPE=" + *arch + " (" + (*arch == "0" ? "skx" : "haswell") +
         " kernels: BLIS would run its portable C ones on this CPU)";
}

}  // namespace simclr::core
