#include "kernels/concat.h"

#include "cuda/launch.h"
#include "kernels/cuda/elementwise.h"

namespace sj::cuda {
namespace {

// One thread per slice element; toWhole: slice -> whole (forward), else whole -> slice (backward).
__global__ void concatCopyKernel(ConcatShape s, bool toWhole, const float* __restrict__ from, float* __restrict__ to) {
  const int64_t n = s.outer * s.part * s.inner, row = s.part * s.inner;
  for (int64_t k = gridStrideStart(); k < n; k += gridStrideStep()) {
    const int64_t o = k / row, rest = k % row;
    const int64_t whole = (o * s.total + s.offset) * s.inner + rest;
    if (toWhole) to[whole] = from[k];
    else to[k] = from[whole];
  }
}

}  // namespace

void concatForward(CudaStream stream, const ConcatShape& s, const float* x, float* y) {
  launch("concatForward", concatCopyKernel, elementwiseGrid(s.sliceSize()), dim3(kElementwiseThreads), 0, stream, s, true, x, y);
}

void concatBackwardInput(CudaStream stream, const ConcatShape& s, const float* dy, float* dx) {
  launch("concatBackwardInput", concatCopyKernel, elementwiseGrid(s.sliceSize()), dim3(kElementwiseThreads), 0, stream, s, false, dy, dx);
}

}  // namespace sj::cuda
