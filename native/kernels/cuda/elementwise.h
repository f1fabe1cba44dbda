// Launch geometry of element-wise kernels: 256 threads per block over a grid-stride loop, with at
// most 8,192 blocks (about 14 waves of 148 SMs x 4 blocks); the loop covers any larger tensor.
#pragma once
#include <cuda_runtime.h>

#include <algorithm>
#include <cstdint>

namespace sj::cuda {

constexpr int kElementwiseThreads = 256;

inline dim3 elementwiseGrid(int64_t count) {
  const int64_t blocks = (count + kElementwiseThreads - 1) / kElementwiseThreads;
  return dim3(static_cast<unsigned>(std::max<int64_t>(1, std::min<int64_t>(blocks, 8192))));
}

// First index and stride of the calling thread in a grid-stride loop.
__device__ __forceinline__ int64_t gridStrideStart() { return static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; }
__device__ __forceinline__ int64_t gridStrideStep() { return static_cast<int64_t>(gridDim.x) * blockDim.x; }

}  // namespace sj::cuda
