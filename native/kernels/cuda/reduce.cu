#include "kernels/reduce.h"

#include "cuda/launch.h"
#include "kernels/cuda/elementwise.h"

namespace sj::cuda {
namespace {

// One thread per output: its values in the reference's order, sums in double (as the CPU kernel).
__global__ void reduceForwardKernel(ReduceShape s, const float* __restrict__ x, float* __restrict__ y) {
  const int64_t outputs = s.outputs(), n = s.n();
  for (int64_t o = gridStrideStart(); o < outputs; o += gridStrideStep()) {
    if (s.op == ReduceOp::Max) {
      float top = x[reduceOffset(s, o, 0)];
      for (int64_t r = 1; r < n; ++r) top = fmaxf(top, x[reduceOffset(s, o, r)]);
      y[o] = top;
      continue;
    }
    double acc = 0.0;
    for (int64_t r = 0; r < n; ++r) acc += x[reduceOffset(s, o, r)];
    y[o] = static_cast<float>(s.op == ReduceOp::Mean ? acc * (1.0 / static_cast<double>(n)) : acc);
  }
}

// One thread per output writes all of its n input elements: no atomics.
__global__ void reduceBackwardKernel(ReduceShape s, const float* __restrict__ x, const float* __restrict__ dy, float* __restrict__ dx) {
  const int64_t outputs = s.outputs(), n = s.n();
  for (int64_t o = gridStrideStart(); o < outputs; o += gridStrideStep()) {
    int64_t best = 0;
    if (s.op == ReduceOp::Max) {
      float top = x[reduceOffset(s, o, 0)];
      for (int64_t r = 1; r < n; ++r) {
        const float v = x[reduceOffset(s, o, r)];
        if (v > top) top = v, best = r;
      }
    }
    const float g = static_cast<float>(s.op == ReduceOp::Mean ? dy[o] * (1.0 / static_cast<double>(n)) : dy[o]);
    for (int64_t r = 0; r < n; ++r) dx[reduceOffset(s, o, r)] = s.op != ReduceOp::Max || r == best ? g : 0.f;
  }
}

}  // namespace

void reduceForward(CudaStream stream, const ReduceShape& s, const float* x, float* y) {
  launch("reduceForward", reduceForwardKernel, elementwiseGrid(s.outputs()), dim3(kElementwiseThreads), 0, stream, s, x, y);
}

void reduceBackwardInput(CudaStream stream, const ReduceShape& s, const float* x, const float* dy, float* dx) {
  launch("reduceBackwardInput", reduceBackwardKernel, elementwiseGrid(s.outputs()), dim3(kElementwiseThreads), 0, stream, s, x, dy, dx);
}

}  // namespace sj::cuda
