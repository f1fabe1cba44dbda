// Layer normalisation on CUDA. x, y, dy, dx are [R][D]; weight, bias, dweight, dbias are [D];
// mean, rstd are [R].
//
// The forward and input-gradient passes give each row to one block of 256 threads (a grid-stride
// loop over rows covers any R): the row's sums run in double through blockSum, a fixed tree, as
// the CPU kernel sums in double (LaneSum), so results are bit-identical run to run. The weight and
// bias gradients are sums down the columns: the column-sum kernel of the bias gradients
// (column_sums.cuh) in double, fed by dy directly (dbias) or by dy * x-hat written to the
// workspace first (dweight).
#include "kernels/layernorm.h"

#include <algorithm>

#include "cuda/device_memory.h"
#include "cuda/launch.h"
#include "kernels/cuda/bias_sums.h"
#include "kernels/cuda/block_reduce.h"
#include "kernels/cuda/column_sums.cuh"
#include "kernels/cuda/elementwise.h"

namespace sj::cuda {
namespace {

constexpr int kThreads = 256;

dim3 rowGrid(int64_t rows) { return dim3(static_cast<unsigned>(std::min<int64_t>(rows, 65535))); }

// mean, rstd of each row (two passes, double); then y = (x - mean) * rstd (* weight + bias).
__global__ void __launch_bounds__(kThreads) forwardKernel(int64_t rows, int64_t cols, double eps, bool affine, const float* __restrict__ x,
                                                          const float* __restrict__ weight, const float* __restrict__ bias,
                                                          float* __restrict__ mean, float* __restrict__ rstd, float* __restrict__ y) {
  for (int64_t r = blockIdx.x; r < rows; r += gridDim.x) {
    const float* xr = x + r * cols;
    double sum = 0.0;
    for (int64_t d = threadIdx.x; d < cols; d += kThreads) sum += static_cast<double>(xr[d]);
    const double mu = blockSum(sum) / static_cast<double>(cols);
    double squares = 0.0;
    for (int64_t d = threadIdx.x; d < cols; d += kThreads) {
      const double dev = static_cast<double>(xr[d]) - mu;
      squares += dev * dev;
    }
    const double total = blockSum(squares);
    const float m = static_cast<float>(mu), rs = static_cast<float>(1.0 / ::sqrt(total / static_cast<double>(cols) + eps));
    if (threadIdx.x == 0) {
      mean[r] = m;
      rstd[r] = rs;
    }
    float* yr = y + r * cols;
    for (int64_t d = threadIdx.x; d < cols; d += kThreads) yr[d] = affine ? (xr[d] - m) * rs * weight[d] + bias[d] : (xr[d] - m) * rs;
  }
}

// dx = (g - mean(g) - xhat * mean(g * xhat)) * rstd, g = dy * weight (affine) or dy
__global__ void __launch_bounds__(kThreads) backwardInputKernel(int64_t rows, int64_t cols, bool affine, const float* __restrict__ dy,
                                                                const float* __restrict__ x, const float* __restrict__ weight,
                                                                const float* __restrict__ mean, const float* __restrict__ rstd,
                                                                float* __restrict__ dx) {
  for (int64_t r = blockIdx.x; r < rows; r += gridDim.x) {
    const float* g = dy + r * cols;
    const float* xr = x + r * cols;
    const float m = mean[r], rs = rstd[r];
    double sumG = 0.0, sumGXhat = 0.0;
    for (int64_t d = threadIdx.x; d < cols; d += kThreads) {
      const double gd = affine ? static_cast<double>(g[d]) * weight[d] : static_cast<double>(g[d]);
      sumG += gd;
      sumGXhat += gd * ((static_cast<double>(xr[d]) - m) * rs);
    }
    const float meanG = static_cast<float>(blockSum(sumG) / static_cast<double>(cols));
    const float meanGXhat = static_cast<float>(blockSum(sumGXhat) / static_cast<double>(cols));
    float* out = dx + r * cols;
    for (int64_t d = threadIdx.x; d < cols; d += kThreads) {
      // __fmul_rn keeps nvcc from contracting `g * w - meanG` into one FMA: that would subtract
      // meanG from the unrounded product and leave its rounding error where the reference has 0
      // (a one-column row, seen on an H200; the CPU kernel and the emulator do not contract).
      const float gd = affine ? __fmul_rn(g[d], weight[d]) : g[d];
      out[d] = (gd - meanG - (xr[d] - m) * rs * meanGXhat) * rs;
    }
  }
}

// terms[r][d] = dy * (x - mean[r]) * rstd[r], the addends of dweight
__global__ void weightTermsKernel(int64_t size, int64_t cols, const float* __restrict__ dy, const float* __restrict__ x,
                                  const float* __restrict__ mean, const float* __restrict__ rstd, float* __restrict__ terms) {
  for (int64_t i = gridStrideStart(); i < size; i += gridStrideStep()) {
    const int64_t r = i / cols;
    terms[i] = dy[i] * ((x[i] - mean[r]) * rstd[r]);
  }
}

// The column sums of in [R][D] in double into out [D]; scratchAt: scratchBytes(s) of workspace.
void sumColumns(const char* name, CudaStream stream, int64_t rows, int64_t cols, const float* in, float* out, char* scratchAt) {
  sums::columnSums<double>(name, stream, rows, cols, in, reinterpret_cast<double*>(scratchAt), sums::ColumnTotals{out});
}

int64_t scratchBytes(const LayerNormShape& s) { return sums::columnSumsScratch(s.rows, s.cols) * static_cast<int64_t>(sizeof(double)); }

}  // namespace

void layernormForward(CudaStream stream, const LayerNormShape& s, const float* x, const float* weight, const float* bias, float* mean,
                      float* rstd, float* y) {
  launch("layernormForward", forwardKernel, rowGrid(s.rows), dim3(kThreads), 0, stream, s.rows, s.cols, s.eps, s.affine, x, weight, bias, mean,
         rstd, y);
}

void layernormBackwardInput(CudaStream stream, const LayerNormShape& s, const float* dy, const float* x, const float* weight,
                            const float* mean, const float* rstd, float* dx) {
  launch("layernormBackwardInput", backwardInputKernel, rowGrid(s.rows), dim3(kThreads), 0, stream, s.rows, s.cols, s.affine, dy, x, weight,
         mean, rstd, dx);
}

void layernormBackwardWeight(CudaStream stream, const LayerNormShape& s, const float* dy, const float* x, const float* mean,
                             const float* rstd, float* dweight) {
  // workspace: the column sums' scratch (doubles) first, then the terms [R][D]
  const int64_t scratch = scratchBytes(s);
  char* space = static_cast<char*>(workspace(stream, scratch + s.size() * static_cast<int64_t>(sizeof(float))));
  float* terms = reinterpret_cast<float*>(space + scratch);
  launch("layernormBackwardWeight.terms", weightTermsKernel, elementwiseGrid(s.size()), dim3(kElementwiseThreads), 0, stream, s.size(), s.cols,
         dy, x, mean, rstd, terms);
  sumColumns("layernormBackwardWeight", stream, s.rows, s.cols, terms, dweight, space);
}

void layernormBackwardBias(CudaStream stream, const LayerNormShape& s, const float* dy, float* dbias) {
  const int64_t scratch = scratchBytes(s);
  char* space = scratch > 0 ? static_cast<char*>(workspace(stream, scratch)) : nullptr;
  sumColumns("layernormBackwardBias", stream, s.rows, s.cols, dy, dbias, space);
}

}  // namespace sj::cuda
