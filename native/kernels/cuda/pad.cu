#include "kernels/pad.h"

#include "cuda/launch.h"
#include "kernels/cuda/elementwise.h"

namespace sj::cuda {
namespace {

__global__ void constantPadForwardKernel(ConstantPadShape s, const float* __restrict__ x, float* __restrict__ y) {
  const int64_t size = s.outputSize();
  for (int64_t e = gridStrideStart(); e < size; e += gridStrideStep()) {
    const int64_t from = constantPadSource(s, e);
    y[e] = from < 0 ? s.value : x[from];
  }
}

__global__ void constantPadBackwardKernel(ConstantPadShape s, const float* __restrict__ dy, float* __restrict__ dx) {
  const int64_t size = s.inputSize();
  for (int64_t i = gridStrideStart(); i < size; i += gridStrideStep()) dx[i] = dy[constantPadTarget(s, i)];
}

}  // namespace

void constantPadForward(CudaStream stream, const ConstantPadShape& s, const float* x, float* y) {
  launch("constantPadForward", constantPadForwardKernel, elementwiseGrid(s.outputSize()), dim3(kElementwiseThreads), 0, stream, s, x, y);
}

void constantPadBackwardInput(CudaStream stream, const ConstantPadShape& s, const float* dy, float* dx) {
  launch("constantPadBackwardInput", constantPadBackwardKernel, elementwiseGrid(s.inputSize()), dim3(kElementwiseThreads), 0, stream, s, dy, dx);
}

}  // namespace sj::cuda
