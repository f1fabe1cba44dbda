#include "kernels/sigmoid.h"

#include "cuda/launch.h"
#include "kernels/cuda/device_math.h"
#include "kernels/cuda/elementwise.h"

namespace sj::cuda {
namespace {

// y = sigmoid(x), the overflow-free form of the CPU kernel
__global__ void sigmoidForwardKernel(int64_t n, const float* __restrict__ x, float* __restrict__ y) {
  for (int64_t i = gridStrideStart(); i < n; i += gridStrideStep()) y[i] = sigmoidOfDevice(x[i]);
}

// dx = dy * y * (1 - y)
__global__ void sigmoidBackwardInputKernel(int64_t n, const float* __restrict__ y, const float* __restrict__ dy, float* __restrict__ dx) {
  for (int64_t i = gridStrideStart(); i < n; i += gridStrideStep()) dx[i] = dy[i] * (y[i] * (1.0f - y[i]));
}

}  // namespace

void sigmoidForward(CudaStream stream, const SigmoidShape& s, const float* x, float* y) {
  launch("sigmoidForward", sigmoidForwardKernel, elementwiseGrid(s.size), dim3(kElementwiseThreads), 0, stream, s.size, x, y);
}

void sigmoidBackwardInput(CudaStream stream, const SigmoidShape& s, const float* y, const float* dy, float* dx) {
  launch("sigmoidBackwardInput", sigmoidBackwardInputKernel, elementwiseGrid(s.size), dim3(kElementwiseThreads), 0, stream, s.size, y, dy, dx);
}

}  // namespace sj::cuda
