// Kernel launches: one function, so that every launch is checked and named, and so that the same
// kernel sources run on a GPU (nvcc's triple-chevron launch) and on the CPU emulator of the tests
// (test/fake/cuda), which g++ compiles and which has no launch syntax of its own.
#pragma once
#include <cuda_runtime.h>

#include <cstdint>

#include "cuda/cuda_check.h"

namespace sj::cuda {

// Blocks of `threads` covering `count` items, one per thread.
inline unsigned blocksFor(int64_t count, int threads) { return static_cast<unsigned>((count + threads - 1) / threads); }

template <class... Params, class... Args>
void launch(const char* name, void (*kernel)(Params...), dim3 grid, dim3 block, size_t sharedBytes, cudaStream_t stream, Args... args) {
#if defined(SEDJOULE_CUDA_EMULATION)
  sj_emulator::launch(reinterpret_cast<const void*>(kernel), name, grid, block, sharedBytes, stream, [=] { kernel(static_cast<Params>(args)...); });
#else
  kernel<<<grid, block, sharedBytes, stream>>>(static_cast<Params>(args)...);
#endif
  cudaCheck(cudaGetLastError(), std::string("launching kernel ") + name);
}

}  // namespace sj::cuda

// Dynamic shared memory (sized at launch): `SJ_DYNAMIC_SHARED(float, tile);` declares `tile`.
#if defined(SEDJOULE_CUDA_EMULATION)
#define SJ_DYNAMIC_SHARED(type, name) type* name = reinterpret_cast<type*>(::sj_emulator::dynamicShared())
#else
#define SJ_DYNAMIC_SHARED(type, name) \
  extern __shared__ __align__(16) unsigned char sj_dynamic_shared_[]; \
  type* name = reinterpret_cast<type*>(sj_dynamic_shared_)
#endif
