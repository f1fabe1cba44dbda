#include "kernels/add.h"

#include "cuda/launch.h"
#include "kernels/cuda/elementwise.h"

namespace sj::cuda {
namespace {

// y = a + b; no __restrict__: y may be a or b (each element is read before it is written, by the
// same thread).
__global__ void addForwardKernel(int64_t n, const float* a, const float* b, float* y) {
  for (int64_t i = gridStrideStart(); i < n; i += gridStrideStep()) y[i] = a[i] + b[i];
}

}  // namespace

void addForward(CudaStream stream, const AddShape& s, const float* a, const float* b, float* y) {
  launch("addForward", addForwardKernel, elementwiseGrid(s.size), dim3(kElementwiseThreads), 0, stream, s.size, a, b, y);
}

}  // namespace sj::cuda
