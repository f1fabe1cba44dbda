#include "kernels/relu.h"

#include "cuda/launch.h"
#include "kernels/cuda/elementwise.h"

namespace sj::cuda {
namespace {

// y = max(x, 0), written as the reference's select so that NaN and -0 give what the CPU gives.
__global__ void reluForwardKernel(int64_t n, const float* __restrict__ x, float* __restrict__ y) {
  for (int64_t i = gridStrideStart(); i < n; i += gridStrideStep()) y[i] = x[i] > 0.f ? x[i] : 0.f;
}

// dx = x > 0 ? dy : 0
__global__ void reluBackwardInputKernel(int64_t n, const float* __restrict__ x, const float* __restrict__ dy, float* __restrict__ dx) {
  for (int64_t i = gridStrideStart(); i < n; i += gridStrideStep()) dx[i] = x[i] > 0.f ? dy[i] : 0.f;
}

}  // namespace

void reluForward(CudaStream stream, const ReluShape& s, const float* x, float* y) {
  launch("reluForward", reluForwardKernel, elementwiseGrid(s.size), dim3(kElementwiseThreads), 0, stream, s.size, x, y);
}

void reluBackwardInput(CudaStream stream, const ReluShape& s, const float* x, const float* dy, float* dx) {
  launch("reluBackwardInput", reluBackwardInputKernel, elementwiseGrid(s.size), dim3(kElementwiseThreads), 0, stream, s.size, x, dy, dx);
}

}  // namespace sj::cuda
