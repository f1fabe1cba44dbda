// Mean on CUDA. x, dx are [outer][n][inner]; y, dy are [outer][inner].
//
// Forward, inner > 1: one thread per output (o, i) sums its column over n in order (neighbouring
// threads read neighbouring i: coalesced). inner == 1: one warp per output sums a contiguous row,
// lanes strided by 32, then a butterfly (block_reduce.h). Both in double, y = float(sum * (1/n)),
// as the CPU kernel; both in a fixed order, so results are bit-identical run to run.
// Backward: element-wise broadcast dx = dy * float(1/n).
#include "kernels/mean.h"

#include "cuda/launch.h"
#include "kernels/cuda/block_reduce.h"
#include "kernels/cuda/elementwise.h"

namespace sj::cuda {
namespace {

constexpr int kRowsPerBlock = kElementwiseThreads / 32;

template <class Index>
__global__ void meanColumnsKernel(Index outputs, Index n, Index inner, double scale, const float* __restrict__ x, float* __restrict__ y) {
  for (Index out = static_cast<Index>(gridStrideStart()); out < outputs; out += static_cast<Index>(gridStrideStep())) {
    const float* column = x + static_cast<int64_t>(out / inner) * n * inner + out % inner;
    double acc = 0.0;
    for (Index k = 0; k < n; ++k) acc += column[static_cast<int64_t>(k) * inner];
    y[out] = static_cast<float>(acc * scale);
  }
}

__global__ void meanRowsKernel(int64_t rows, int64_t n, double scale, const float* __restrict__ x, float* __restrict__ y) {
  const int64_t row = static_cast<int64_t>(blockIdx.x) * kRowsPerBlock + threadIdx.x / 32;
  if (row >= rows) return;  // the whole warp leaves together
  const int lane = static_cast<int>(threadIdx.x % 32);
  double acc = 0.0;
  for (int64_t k = lane; k < n; k += 32) acc += x[row * n + k];
  acc = warpSum(acc);
  if (lane == 0) y[row] = static_cast<float>(acc * scale);
}

template <class Index>
__global__ void meanBackwardInputKernel(Index size, Index n, Index inner, float scale, const float* __restrict__ dy, float* __restrict__ dx) {
  for (Index e = static_cast<Index>(gridStrideStart()); e < size; e += static_cast<Index>(gridStrideStep()))
    dx[e] = dy[e / (n * inner) * inner + e % inner] * scale;
}

}  // namespace

void meanForward(CudaStream stream, const MeanShape& s, const float* x, float* y) {
  const double scale = 1.0 / static_cast<double>(s.n);
  const int64_t outputs = s.outer * s.inner;
  if (s.inner == 1) {
    launch("meanForward", meanRowsKernel, dim3(static_cast<unsigned>((outputs + kRowsPerBlock - 1) / kRowsPerBlock)), dim3(kElementwiseThreads), 0,
           stream, outputs, s.n, scale, x, y);
  } else if (fitsIndex32(outputs * s.n)) {
    launch("meanForward", meanColumnsKernel<uint32_t>, elementwiseGrid(outputs), dim3(kElementwiseThreads), 0, stream, outputs, s.n, s.inner,
           scale, x, y);
  } else {
    launch("meanForward", meanColumnsKernel<int64_t>, elementwiseGrid(outputs), dim3(kElementwiseThreads), 0, stream, outputs, s.n, s.inner,
           scale, x, y);
  }
}

void meanBackwardInput(CudaStream stream, const MeanShape& s, const float* dy, float* dx) {
  const float scale = static_cast<float>(1.0 / static_cast<double>(s.n));
  const int64_t size = s.outer * s.n * s.inner;
  if (fitsIndex32(size)) {
    launch("meanBackwardInput", meanBackwardInputKernel<uint32_t>, elementwiseGrid(size), dim3(kElementwiseThreads), 0, stream, size, s.n, s.inner,
           scale, dy, dx);
  } else {
    launch("meanBackwardInput", meanBackwardInputKernel<int64_t>, elementwiseGrid(size), dim3(kElementwiseThreads), 0, stream, size, s.n, s.inner,
           scale, dy, dx);
  }
}

}  // namespace sj::cuda
