// Deterministic reductions across the threads of a warp or a block, and the index type of
// element-wise kernels that decompose a flat index.
//
// Sums run in a fixed tree: a butterfly (xor) shuffle inside each warp, then the warp totals in
// warp order. Lane i and lane i ^ k add the same two numbers (IEEE addition is commutative), so
// every lane ends with the same bits, and the result depends on the values and the block size
// only: the same inputs give the same bits run after run. No floating-point atomics anywhere;
// reductions wider than a block write per-block partials to a workspace and a second kernel adds
// them in a fixed order.
#pragma once
#include <cuda_runtime.h>

#include <cstdint>

namespace sj::cuda {

constexpr unsigned kFullWarp = 0xffffffffu;

// Sum over the 32 lanes of the calling warp, returned to every lane (all 32 lanes must call it).
template <class T>
__device__ __forceinline__ T warpSum(T v) {
  for (int k = 16; k > 0; k >>= 1) v += __shfl_xor_sync(kFullWarp, v, k);
  return v;
}

// Sums each of V values over the warp's 32 lanes (V a power of two, at most 32) in V - 1 +
// log2(32 / V) shuffles instead of 5 V: at each of the first log2 V levels a lane keeps half of
// its values, the upper half where its lane bit is set, and adds the partner's copy of that half;
// afterwards v[0] of lane l holds the sum of value l / (32 / V), and the last levels add whole
// lanes. A fixed tree: the same order on every run. (A recursion, so that every index into v is
// a constant and v stays in registers.)
template <int V, int Half>
__device__ __forceinline__ void halveAcrossLanes(float (&v)[V], int lane) {
  if constexpr (Half >= 1) {
    constexpr int kOffset = 32 * Half / V;  // 16 at the first level (Half = V / 2), then 8, ...
    const bool upper = (lane & kOffset) != 0;
#pragma unroll
    for (int i = 0; i < Half; ++i) {
      const float send = upper ? v[i] : v[i + Half];
      const float keep = upper ? v[i + Half] : v[i];
      v[i] = keep + __shfl_xor_sync(kFullWarp, send, kOffset);
    }
    halveAcrossLanes<V, Half / 2>(v, lane);
  }
}

template <int V>
__device__ __forceinline__ void warpSumEach(float (&v)[V]) {
  static_assert(V >= 1 && V <= 32 && (V & (V - 1)) == 0, "a power of two up to 32");
  halveAcrossLanes<V, V / 2>(v, threadIdx.x % 32);
#pragma unroll
  for (int offset = 16 / V; offset > 0; offset /= 2) v[0] += __shfl_xor_sync(kFullWarp, v[0], offset);
}

// Maximum over the 32 lanes of the calling warp, returned to every lane.
__device__ __forceinline__ float warpMax(float v) {
  for (int k = 16; k > 0; k >>= 1) {
    const float other = __shfl_xor_sync(kFullWarp, v, k);
    v = other > v ? other : v;
  }
  return v;
}

// Sum over all threads of a one-dimensional block (blockDim.x a multiple of 32, at most 1024),
// returned to every thread. Every thread of the block must call it: it holds barriers.
template <class T>
__device__ T blockSum(T v) {
  __shared__ T warpTotals[32];
  const int lane = static_cast<int>(threadIdx.x % 32), warp = static_cast<int>(threadIdx.x / 32);
  const int warps = static_cast<int>(blockDim.x / 32);
  v = warpSum(v);
  __syncthreads();  // the readers of an earlier call are done with warpTotals
  if (lane == 0) warpTotals[warp] = v;
  __syncthreads();
  v = lane < warps ? warpTotals[lane] : T(0);
  return warpSum(v);
}

// Element-wise kernels that turn a flat index into coordinates divide per element: 32-bit
// division is a few instructions, 64-bit division a long emulated sequence. Launchers instantiate
// such kernels with uint32_t when every index (and index + grid stride) fits, else int64_t.
inline bool fitsIndex32(int64_t count) { return count < (int64_t{1} << 31); }

}  // namespace sj::cuda
