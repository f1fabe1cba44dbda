#include "kernels/slice.h"

#include "cuda/launch.h"
#include "kernels/cuda/elementwise.h"

namespace sj::cuda {
namespace {

// y[o][j][i] = x[o][start + j * step][i]
__global__ void sliceForwardKernel(SliceShape s, const float* __restrict__ x, float* __restrict__ y) {
  const int64_t size = s.outer * s.count * s.inner;
  for (int64_t e = gridStrideStart(); e < size; e += gridStrideStep()) {
    const int64_t i = e % s.inner, r = e / s.inner, j = r % s.count, o = r / s.count;
    y[e] = x[(o * s.n + s.start + j * s.step) * s.inner + i];
  }
}

// dx[o][k][i] = dy[o][(k - start) / step][i] where the slice took k, else 0
__global__ void sliceBackwardKernel(SliceShape s, const float* __restrict__ dy, float* __restrict__ dx) {
  const int64_t size = s.outer * s.n * s.inner;
  for (int64_t e = gridStrideStart(); e < size; e += gridStrideStep()) {
    const int64_t i = e % s.inner, r = e / s.inner, k = r % s.n - s.start, o = r / s.n;
    const bool taken = k >= 0 && k % s.step == 0 && k / s.step < s.count;
    dx[e] = taken ? dy[(o * s.count + k / s.step) * s.inner + i] : 0.f;
  }
}

}  // namespace

void sliceForward(CudaStream stream, const SliceShape& s, const float* x, float* y) {
  launch("sliceForward", sliceForwardKernel, elementwiseGrid(s.outputSize()), dim3(kElementwiseThreads), 0, stream, s, x, y);
}

void sliceBackwardInput(CudaStream stream, const SliceShape& s, const float* dy, float* dx) {
  launch("sliceBackwardInput", sliceBackwardKernel, elementwiseGrid(s.inputSize()), dim3(kElementwiseThreads), 0, stream, s, dy, dx);
}

}  // namespace sj::cuda
