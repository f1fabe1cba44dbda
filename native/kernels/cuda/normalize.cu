#include "kernels/normalize.h"

#include <algorithm>

#include "cuda/device_memory.h"
#include "cuda/launch.h"
#include "kernels/cuda/block_reduce.h"
#include "kernels/cuda/elementwise.h"

namespace sj::cuda {
namespace {

// Reductions: G blocks of 256 threads (G <= 256, a function of n only) each reduce a fixed
// grid-stride slice of x to one partial in the workspace (warp shuffles, then the warps' results in
// shared memory: a fixed tree); one block then reduces the G partials in the same fixed order and
// writes the statistic's (offset, scale); the apply pass is element-wise. Standardisation needs the
// mean before the squared deviations: each block of that pass reduces the G sums again itself
// (the same fixed order, so the same mean everywhere) instead of waiting for another launch. No
// atomics: the result is the same bit for bit on every run. Sums, offset and scale are in double
// and y = (x - offset) * scale is rounded once, like the CPU kernel (min and max are exact in any
// order, so min-max gives the CPU's bits).
constexpr int kThreads = 256;
constexpr int kWarps = kThreads / 32;
constexpr int64_t kPerThread = 16;  // elements each thread of a partial block reduces (at least)

int partialBlocks(int64_t n) {
  return static_cast<int>(std::max<int64_t>(1, std::min<int64_t>(kThreads, (n + kPerThread * kThreads - 1) / (kPerThread * kThreads))));
}

__device__ __forceinline__ void blockMinMax(float& lo, float& hi, float* scratch /* [2 kWarps] */) {
  for (int o = 16; o > 0; o >>= 1) {
    const float l = __shfl_xor_sync(kFullWarp, lo, o), h = __shfl_xor_sync(kFullWarp, hi, o);
    lo = l < lo ? l : lo;
    hi = h > hi ? h : hi;
  }
  const int lane = static_cast<int>(threadIdx.x) % 32, warp = static_cast<int>(threadIdx.x) / 32;
  __syncthreads();
  if (lane == 0) {
    scratch[warp] = lo;
    scratch[kWarps + warp] = hi;
  }
  __syncthreads();
  lo = scratch[0];
  hi = scratch[kWarps];
  for (int w = 1; w < kWarps; ++w) {
    lo = scratch[w] < lo ? scratch[w] : lo;
    hi = scratch[kWarps + w] > hi ? scratch[kWarps + w] : hi;
  }
}

// Workspace: the statistic (offset, scale) in double, then the partials.
struct Statistic {
  double offset, scale;
};

// Block b's slice: elements b * 256 + t + k * G * 256. partials [2][G]: minima, maxima.
__global__ void minMaxPartialsKernel(int64_t n, const float* __restrict__ x, float* __restrict__ partials) {
  __shared__ float scratch[2 * kWarps];
  float lo = x[0], hi = x[0];
  for (int64_t i = gridStrideStart(); i < n; i += gridStrideStep()) {
    lo = x[i] < lo ? x[i] : lo;
    hi = x[i] > hi ? x[i] : hi;
  }
  blockMinMax(lo, hi, scratch);
  if (threadIdx.x == 0) {
    partials[blockIdx.x] = lo;
    partials[gridDim.x + blockIdx.x] = hi;
  }
}

// One block: offset = min, scale = 1 / max(max - min, 1e-30).
__global__ void minMaxFinishKernel(int G, const float* __restrict__ partials, Statistic* __restrict__ stat) {
  __shared__ float scratch[2 * kWarps];
  const int t = static_cast<int>(threadIdx.x);
  float lo = partials[t < G ? t : 0], hi = partials[G + (t < G ? t : 0)];  // a repeated partial changes neither
  blockMinMax(lo, hi, scratch);
  if (t == 0) *stat = {static_cast<double>(lo), 1.0 / fmax(static_cast<double>(hi) - static_cast<double>(lo), 1e-30)};
}

// partials [2][G]: sums, then squared deviations from the mean.
__global__ void sumPartialsKernel(int64_t n, const float* __restrict__ x, double* __restrict__ partials) {
  double sum = 0.0;
  for (int64_t i = gridStrideStart(); i < n; i += gridStrideStep()) sum += x[i];
  sum = blockSum(sum);
  if (threadIdx.x == 0) partials[blockIdx.x] = sum;
}

__device__ __forceinline__ double reducedMean(int64_t n, int G, const double* partials) {
  const int t = static_cast<int>(threadIdx.x);
  return blockSum(t < G ? partials[t] : 0.0) / static_cast<double>(n);
}

__global__ void squarePartialsKernel(int64_t n, int G, const float* __restrict__ x, double* __restrict__ partials) {
  const double mean = reducedMean(n, G, partials);
  double squares = 0.0;
  for (int64_t i = gridStrideStart(); i < n; i += gridStrideStep()) squares += (x[i] - mean) * (x[i] - mean);
  squares = blockSum(squares);
  if (threadIdx.x == 0) partials[G + blockIdx.x] = squares;
}

// One block: offset = mean, scale = 1 / max(std, 1e-30), std with Bessel's correction.
__global__ void standardizeFinishKernel(int64_t n, int G, const double* __restrict__ partials, Statistic* __restrict__ stat) {
  const int t = static_cast<int>(threadIdx.x);
  const double mean = reducedMean(n, G, partials);
  const double squares = blockSum(t < G ? partials[G + t] : 0.0);
  const double std = ::sqrt(squares / static_cast<double>(n > 1 ? n - 1 : 1));
  if (t == 0) *stat = {mean, 1.0 / fmax(std, 1e-30)};
}

// y = (x - offset) * scale in double, rounded once (exact 0 for a constant block). x may be y.
__global__ void normalizeApplyKernel(int64_t n, const Statistic* __restrict__ stat, const float* x, float* y) {
  const double offset = stat->offset, scale = stat->scale;
  for (int64_t i = gridStrideStart(); i < n; i += gridStrideStep()) y[i] = static_cast<float>((x[i] - offset) * scale);
}

}  // namespace

void normalizeForward(CudaStream stream, const NormalizeShape& s, const float* x, float* y) {
  const int64_t n = s.size;
  if (s.kind == NormalizeKind::None) {
    if (x != y) copyOnDevice(y, x, n * static_cast<int64_t>(sizeof(float)), stream, "normalize (none)");
    return;
  }
  const int G = partialBlocks(n);
  const dim3 threads(kThreads);
  char* space = static_cast<char*>(workspace(stream, static_cast<int64_t>(sizeof(Statistic)) + 2 * G * static_cast<int64_t>(sizeof(double))));
  Statistic* stat = reinterpret_cast<Statistic*>(space);
  if (s.kind == NormalizeKind::MinMax) {
    float* partials = reinterpret_cast<float*>(space + sizeof(Statistic));
    launch("normalizeMinMaxPartials", minMaxPartialsKernel, dim3(G), threads, 0, stream, n, x, partials);
    launch("normalizeMinMaxFinish", minMaxFinishKernel, dim3(1), threads, 0, stream, G, static_cast<const float*>(partials), stat);
  } else {
    double* partials = reinterpret_cast<double*>(space + sizeof(Statistic));
    launch("normalizeSumPartials", sumPartialsKernel, dim3(G), threads, 0, stream, n, x, partials);
    launch("normalizeSquarePartials", squarePartialsKernel, dim3(G), threads, 0, stream, n, G, x, partials);
    launch("normalizeStandardizeFinish", standardizeFinishKernel, dim3(1), threads, 0, stream, n, G, static_cast<const double*>(partials), stat);
  }
  launch("normalizeApply", normalizeApplyKernel, elementwiseGrid(n), threads, 0, stream, n, static_cast<const Statistic*>(stat), x, y);
}

}  // namespace sj::cuda
