#include "kernels/pad_crop.h"

#include "cuda/launch.h"
#include "kernels/cuda/elementwise.h"

namespace sj::cuda {
namespace {

// y[i] = i < samples ? x[i] : 0 over i in [begin, length): begin = samples in place (the signal is
// already there), else 0. Grid-stride, coalesced. No __restrict__: in place, x is y.
__global__ void padForwardKernel(int64_t samples, int64_t begin, int64_t length, const float* x, float* y) {
  for (int64_t i = begin + gridStrideStart(); i < length; i += gridStrideStep()) y[i] = i < samples ? x[i] : 0.f;
}

// y [rows][keep] from x [rows][frames]: one thread per output element, t fastest, so both the
// reads of a row and the writes are coalesced.
__global__ void frameCropForwardKernel(int64_t rows, int64_t frames, int64_t keep, const float* __restrict__ x, float* __restrict__ y) {
  const int64_t count = rows * keep;
  for (int64_t i = gridStrideStart(); i < count; i += gridStrideStep()) {
    const int64_t r = i / keep, t = i - r * keep;
    y[i] = t < frames ? x[r * frames + t] : 0.f;
  }
}

}  // namespace

void padForward(CudaStream stream, const PadShape& s, const float* x, float* y) {
  const int64_t begin = s.inPlace ? s.samples : 0;
  launch("padForward", padForwardKernel, elementwiseGrid(s.length - begin), dim3(kElementwiseThreads), 0, stream, s.samples, begin, s.length,
         x, y);
}

void frameCropForward(CudaStream stream, const FrameCropShape& s, const float* x, float* y) {
  launch("frameCropForward", frameCropForwardKernel, elementwiseGrid(s.rows * s.keep), dim3(kElementwiseThreads), 0, stream, s.rows,
         s.frames, s.keep, x, y);
}

}  // namespace sj::cuda
