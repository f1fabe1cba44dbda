// Softmax on CUDA. x, y, dy, dx are [outer][n][inner]; the softmax runs over n.
//
// inner == 1 (classes of [B][C]: contiguous rows): one warp per row, 8 rows per block of 256. Each
// lane takes j = lane, lane + 32, ... (coalesced); the row's max and sum are butterfly reductions
// of the lanes' partials (block_reduce.h), the same bits in every lane and every run.
// inner > 1 (e.g. time of [B][T][C]): one thread per column (outer, i), walking n with stride
// inner: neighbouring threads read neighbouring columns, so every step is coalesced, and each
// column's sums run in j order.
// As on the CPU: float max and exp, the sum of the exps in double, y = e * float(1 / sum); the
// backward's dot product in double and dx = y * (dy - dot) formed in double.
#include "kernels/softmax.h"

#include "cuda/launch.h"
#include "kernels/cuda/block_reduce.h"
#include "kernels/cuda/elementwise.h"

namespace sj::cuda {
namespace {

constexpr int kRowsPerBlock = kElementwiseThreads / 32;

// One warp per row of n contiguous values.
__global__ void softmaxRowsForwardKernel(int64_t rows, int64_t n, const float* __restrict__ x, float* __restrict__ y) {
  const int64_t row = static_cast<int64_t>(blockIdx.x) * kRowsPerBlock + threadIdx.x / 32;
  if (row >= rows) return;  // the whole warp leaves together: its shuffles stay full
  const int lane = static_cast<int>(threadIdx.x % 32);
  const float* xr = x + row * n;
  float* yr = y + row * n;
  float top = xr[0];
  for (int64_t j = lane; j < n; j += 32) top = xr[j] > top ? xr[j] : top;
  top = warpMax(top);
  double sum = 0.0;
  for (int64_t j = lane; j < n; j += 32) {
    const float e = ::expf(xr[j] - top);
    yr[j] = e;
    sum += e;
  }
  const float r = static_cast<float>(1.0 / warpSum(sum));
  for (int64_t j = lane; j < n; j += 32) yr[j] *= r;  // the lane's own values: no barrier needed
}

// dx = y * (dy - sum_j dy * y). dy is read in full before dx is written, and each element is read
// and written by one lane, so dx may alias dy (no __restrict__ on them).
__global__ void softmaxRowsBackwardKernel(int64_t rows, int64_t n, const float* __restrict__ y, const float* dy, float* dx) {
  const int64_t row = static_cast<int64_t>(blockIdx.x) * kRowsPerBlock + threadIdx.x / 32;
  if (row >= rows) return;
  const int lane = static_cast<int>(threadIdx.x % 32);
  const float* yr = y + row * n;
  const float* gr = dy + row * n;
  float* dr = dx + row * n;
  double dot = 0.0;
  for (int64_t j = lane; j < n; j += 32) dot += static_cast<double>(gr[j]) * yr[j];
  dot = warpSum(dot);
  for (int64_t j = lane; j < n; j += 32) dr[j] = static_cast<float>(yr[j] * (gr[j] - dot));
}

// One thread per column (o, i) of a [outer][n][inner] tensor.
template <class Index>
__global__ void softmaxColumnsForwardKernel(Index columns, Index n, Index inner, const float* __restrict__ x, float* __restrict__ y) {
  for (Index col = static_cast<Index>(gridStrideStart()); col < columns; col += static_cast<Index>(gridStrideStep())) {
    const int64_t base = static_cast<int64_t>(col / inner) * n * inner + col % inner;
    const float* xc = x + base;
    float* yc = y + base;
    float top = xc[0];
    for (Index j = 1; j < n; ++j) top = xc[static_cast<int64_t>(j) * inner] > top ? xc[static_cast<int64_t>(j) * inner] : top;
    double sum = 0.0;
    for (Index j = 0; j < n; ++j) {
      const float e = ::expf(xc[static_cast<int64_t>(j) * inner] - top);
      yc[static_cast<int64_t>(j) * inner] = e;
      sum += e;
    }
    const float r = static_cast<float>(1.0 / sum);
    for (Index j = 0; j < n; ++j) yc[static_cast<int64_t>(j) * inner] *= r;
  }
}

template <class Index>
__global__ void softmaxColumnsBackwardKernel(Index columns, Index n, Index inner, const float* __restrict__ y, const float* dy, float* dx) {
  for (Index col = static_cast<Index>(gridStrideStart()); col < columns; col += static_cast<Index>(gridStrideStep())) {
    const int64_t base = static_cast<int64_t>(col / inner) * n * inner + col % inner;
    double dot = 0.0;
    for (Index j = 0; j < n; ++j) {
      const int64_t at = base + static_cast<int64_t>(j) * inner;
      dot += static_cast<double>(dy[at]) * y[at];
    }
    for (Index j = 0; j < n; ++j) {
      const int64_t at = base + static_cast<int64_t>(j) * inner;
      dx[at] = static_cast<float>(y[at] * (dy[at] - dot));
    }
  }
}

dim3 rowGrid(int64_t rows) { return dim3(static_cast<unsigned>((rows + kRowsPerBlock - 1) / kRowsPerBlock)); }

// Log-softmax: one thread per row (o, i), the CPU's arithmetic (float max and exp, double sum and
// log); neighbouring threads take neighbouring columns, so a strided axis (inner > 1) is coalesced.
__global__ void logSoftmaxForwardKernel(SoftmaxShape s, const float* __restrict__ x, float* __restrict__ y) {
  for (int64_t row = gridStrideStart(); row < s.outer * s.inner; row += gridStrideStep()) {
    const int64_t offset = (row / s.inner) * s.n * s.inner + row % s.inner;
    const float* xr = x + offset;
    float* yr = y + offset;
    float top = xr[0];
    for (int64_t j = 1; j < s.n; ++j) top = fmaxf(top, xr[j * s.inner]);
    double sum = 0.0;
    for (int64_t j = 0; j < s.n; ++j) sum += ::expf(xr[j * s.inner] - top);
    const double l = ::log(sum);
    for (int64_t j = 0; j < s.n; ++j) yr[j * s.inner] = static_cast<float>((xr[j * s.inner] - top) - l);
  }
}

// dx may alias dy: each row's dy is summed before its dx is written, by the same thread.
__global__ void logSoftmaxBackwardKernel(SoftmaxShape s, const float* __restrict__ y, const float* dy, float* dx) {
  for (int64_t row = gridStrideStart(); row < s.outer * s.inner; row += gridStrideStep()) {
    const int64_t offset = (row / s.inner) * s.n * s.inner + row % s.inner;
    double total = 0.0;
    for (int64_t j = 0; j < s.n; ++j) total += dy[offset + j * s.inner];
    for (int64_t j = 0; j < s.n; ++j) {
      const int64_t k = offset + j * s.inner;
      dx[k] = static_cast<float>(dy[k] - ::expf(y[k]) * total);
    }
  }
}

}  // namespace

void softmaxForward(CudaStream stream, const SoftmaxShape& s, const float* x, float* y) {
  if (s.inner == 1) {
    launch("softmaxForward", softmaxRowsForwardKernel, rowGrid(s.outer), dim3(kElementwiseThreads), 0, stream, s.outer, s.n, x, y);
    return;
  }
  const int64_t columns = s.rows();
  if (fitsIndex32(s.size())) {
    launch("softmaxForward", softmaxColumnsForwardKernel<uint32_t>, elementwiseGrid(columns), dim3(kElementwiseThreads), 0, stream, columns, s.n,
           s.inner, x, y);
  } else {
    launch("softmaxForward", softmaxColumnsForwardKernel<int64_t>, elementwiseGrid(columns), dim3(kElementwiseThreads), 0, stream, columns, s.n,
           s.inner, x, y);
  }
}

void softmaxBackwardInput(CudaStream stream, const SoftmaxShape& s, const float* y, const float* dy, float* dx) {
  if (s.inner == 1) {
    launch("softmaxBackwardInput", softmaxRowsBackwardKernel, rowGrid(s.outer), dim3(kElementwiseThreads), 0, stream, s.outer, s.n, y, dy, dx);
    return;
  }
  const int64_t columns = s.rows();
  if (fitsIndex32(s.size())) {
    launch("softmaxBackwardInput", softmaxColumnsBackwardKernel<uint32_t>, elementwiseGrid(columns), dim3(kElementwiseThreads), 0, stream,
           columns, s.n, s.inner, y, dy, dx);
  } else {
    launch("softmaxBackwardInput", softmaxColumnsBackwardKernel<int64_t>, elementwiseGrid(columns), dim3(kElementwiseThreads), 0, stream,
           columns, s.n, s.inner, y, dy, dx);
  }
}

void logSoftmaxForward(CudaStream stream, const SoftmaxShape& s, const float* x, float* y) {
  launch("logSoftmaxForward", logSoftmaxForwardKernel, elementwiseGrid(s.rows()), dim3(kElementwiseThreads), 0, stream, s, x, y);
}

void logSoftmaxBackwardInput(CudaStream stream, const SoftmaxShape& s, const float* y, const float* dy, float* dx) {
  launch("logSoftmaxBackwardInput", logSoftmaxBackwardKernel, elementwiseGrid(s.rows()), dim3(kElementwiseThreads), 0, stream, s, y, dy, dx);
}

}  // namespace sj::cuda
