#include "kernels/dropout.h"

#include "core/random.h"
#include "cuda/launch.h"
#include "kernels/cuda/elementwise.h"

namespace sj::cuda {
namespace {

// mask = u(seed, i) >= threshold ? scale : 0;  y = x * mask. The hash is the host's constexpr
// function (nvcc --expt-relaxed-constexpr), so the device computes the same integers; u is an
// exact multiple of 2^-24, and threshold and scale are the CPU kernel's floats.
__global__ void dropoutForwardKernel(int64_t n, uint64_t seed, float threshold, float scale, const float* __restrict__ x,
                                     float* __restrict__ mask, float* __restrict__ y) {
  for (int64_t i = gridStrideStart(); i < n; i += gridStrideStep()) {
    const float m = uniformFloat(seed, static_cast<uint64_t>(i)) >= threshold ? scale : 0.0f;
    mask[i] = m;
    y[i] = x[i] * m;
  }
}

// dx = dy * mask
__global__ void dropoutBackwardInputKernel(int64_t n, const float* __restrict__ dy, const float* __restrict__ mask, float* __restrict__ dx) {
  for (int64_t i = gridStrideStart(); i < n; i += gridStrideStep()) dx[i] = dy[i] * mask[i];
}

}  // namespace

void dropoutForward(CudaStream stream, const DropoutShape& s, uint64_t seed, const float* x, float* mask, float* y) {
  const float threshold = static_cast<float>(s.keepThreshold()), scale = static_cast<float>(s.keepScale());
  launch("dropoutForward", dropoutForwardKernel, elementwiseGrid(s.size), dim3(kElementwiseThreads), 0, stream, s.size, seed, threshold, scale,
         x, mask, y);
}

void dropoutBackwardInput(CudaStream stream, const DropoutShape& s, const float* dy, const float* mask, float* dx) {
  launch("dropoutBackwardInput", dropoutBackwardInputKernel, elementwiseGrid(s.size), dim3(kElementwiseThreads), 0, stream, s.size, dy, mask,
         dx);
}

}  // namespace sj::cuda
