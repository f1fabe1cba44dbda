// The GPU's global nanosecond timer, for kernels that must run for a set wall time whatever the SM
// clock does (the sensor study's spin load). It is the PTX special register %globaltimer ("A
// predefined, 64-bit global nanosecond timer", PTX ISA, section "Special Registers"), read with
// inline assembly; the tests' CPU emulator, which g++ compiles, stands in the host's steady clock.
#pragma once
#include <cuda_runtime.h>

namespace sj::cuda {

__device__ __forceinline__ unsigned long long globalTimerNs() {
#if defined(SEDJOULE_CUDA_EMULATION)
  return sj_emulator::globalTimerNs();
#else
  unsigned long long ns;
  asm volatile("mov.u64 %0, %%globaltimer;" : "=l"(ns));
  return ns;
#endif
}

}  // namespace sj::cuda
