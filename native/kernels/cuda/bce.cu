// Binary cross-entropy on CUDA. x, t, dx are [E]; loss and g are [1].
//
// Forward: E is cut into chunks of kChunk elements, one block of 256 threads per chunk; each
// thread adds its elements' losses (float, as the CPU) in double, the block adds its threads'
// sums in a fixed tree (block_reduce.h) and writes one partial to the workspace; one block then
// adds the partials (each thread a strided run in order, then the tree) and writes the mean.
// Backward: element-wise.
#include "kernels/bce.h"

#include "cuda/device_memory.h"
#include "cuda/launch.h"
#include "kernels/cuda/block_reduce.h"
#include "kernels/cuda/device_math.h"
#include "kernels/cuda/elementwise.h"

namespace sj::cuda {
namespace {

constexpr int kThreads = 256;
constexpr int64_t kChunk = 16 * kThreads;

// bceElementLoss (kernels/bce.h) on the device, in float:
//   logits:        max(x, 0) - x*t + log1p(exp(-|x|))
//   probabilities: (t - 1) * max(log1p(-p), -100) - t * max(log p, -100)
__device__ __forceinline__ float elementLoss(bool logits, float x, float t) {
  if (logits) return (x > 0.0f ? x : 0.0f) - x * t + ::log1pf(::expf(-::fabsf(x)));
  const float logQ = ::log1pf(-x), logP = ::logf(x);
  return (t - 1.0f) * (logQ > -100.0f ? logQ : -100.0f) - t * (logP > -100.0f ? logP : -100.0f);
}

__global__ void __launch_bounds__(kThreads) bceChunksKernel(int64_t n, bool logits, const float* __restrict__ x, const float* __restrict__ t,
                                                            double* __restrict__ partials) {
  const int64_t first = static_cast<int64_t>(blockIdx.x) * kChunk, end = first + kChunk < n ? first + kChunk : n;
  double acc = 0.0;
  for (int64_t i = first + threadIdx.x; i < end; i += kThreads) acc += elementLoss(logits, x[i], t[i]);
  acc = blockSum(acc);
  if (threadIdx.x == 0) partials[blockIdx.x] = acc;
}

__global__ void __launch_bounds__(kThreads) bceMeanKernel(int64_t chunks, double n, const double* __restrict__ partials, float* __restrict__ loss) {
  double acc = 0.0;
  for (int64_t q = threadIdx.x; q < chunks; q += kThreads) acc += partials[q];
  acc = blockSum(acc);
  if (threadIdx.x == 0) loss[0] = static_cast<float>(acc / n);
}

// logits: dx = (sigmoid(x) - t) * g / E;  probabilities: dx = (p - t) * (g / E) / max((1 - p) * p, eps)
__global__ void bceBackwardInputKernel(int64_t n, bool logits, float eps, const float* __restrict__ x, const float* __restrict__ t,
                                       const float* __restrict__ g, float* __restrict__ dx) {
  const float scale = static_cast<float>(g[0] / static_cast<double>(n));
  for (int64_t i = gridStrideStart(); i < n; i += gridStrideStep()) {
    if (logits) {
      dx[i] = (sigmoidOfDevice(x[i]) - t[i]) * scale;
    } else {
      const float q = (1.0f - x[i]) * x[i];
      dx[i] = (x[i] - t[i]) * scale / (q > eps ? q : eps);
    }
  }
}

}  // namespace

void bceForward(CudaStream stream, const BceShape& s, const float* x, const float* t, float* loss) {
  const int64_t chunks = (s.size + kChunk - 1) / kChunk;
  double* partials = static_cast<double*>(workspace(stream, chunks * static_cast<int64_t>(sizeof(double))));
  launch("bceForward.chunks", bceChunksKernel, dim3(static_cast<unsigned>(chunks)), dim3(kThreads), 0, stream, s.size, s.logits, x, t, partials);
  launch("bceForward.mean", bceMeanKernel, dim3(1), dim3(kThreads), 0, stream, chunks, static_cast<double>(s.size), partials, loss);
}

void bceBackwardInput(CudaStream stream, const BceShape& s, const float* x, const float* t, const float* g, float* dx) {
  launch("bceBackwardInput", bceBackwardInputKernel, elementwiseGrid(s.size), dim3(kElementwiseThreads), 0, stream, s.size, s.logits,
         static_cast<float>(kBceGradientEpsilon), x, t, g, dx);
}

}  // namespace sj::cuda
