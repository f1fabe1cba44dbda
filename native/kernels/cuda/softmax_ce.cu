#include "kernels/softmax_ce.h"

#include <climits>

#include "base/error.h"
#include "cuda/device_memory.h"
#include "cuda/launch.h"

// Formulas and shapes: kernels/softmax_ce.h. One thread per row (the rows of a batch are few and
// short), the same operations in the same order as the CPU's row functions.

namespace sj::cuda {
namespace {

constexpr int kThreads = 256;

__device__ __forceinline__ int64_t threadIndex() { return static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; }

__device__ float rowMax(int64_t C, const float* x) {
  float top = x[0];
  for (int64_t c = 1; c < C; ++c) top = fmaxf(top, x[c]);
  return top;
}

__global__ void softmaxCeRowLossKernel(int64_t rows, int64_t C, const float* x, const float* t, double* rowLoss) {
  const int64_t r = threadIndex();
  if (r >= rows) return;
  const float* xr = x + r * C;
  const float* tr = t + r * C;
  const float top = rowMax(C, xr);
  float sum = 0.f;
  for (int64_t c = 0; c < C; ++c) sum += ::expf(xr[c] - top);
  const float lse = top + ::logf(sum);
  float loss = 0.f;
  for (int64_t c = 0; c < C; ++c) loss += tr[c] * (lse - xr[c]);
  rowLoss[r] = loss;
}

// The mean of the row losses, summed in row order by one thread.
__global__ void softmaxCeMeanKernel(int64_t rows, const double* rowLoss, float* loss) {
  double total = 0.0;
  for (int64_t r = 0; r < rows; ++r) total += rowLoss[r];
  loss[0] = static_cast<float>(total / static_cast<double>(rows));
}

__global__ void softmaxCeGradientKernel(int64_t rows, int64_t C, const float* x, const float* t, const float* g, float* dx) {
  const int64_t r = threadIndex();
  if (r >= rows) return;
  const float* xr = x + r * C;
  const float* tr = t + r * C;
  float* dr = dx + r * C;
  const float top = rowMax(C, xr);
  float sum = 0.f, targets = 0.f;
  for (int64_t c = 0; c < C; ++c) {
    dr[c] = ::expf(xr[c] - top);
    sum += dr[c];
    targets += tr[c];
  }
  const float k = targets / sum, scale = g[0] / static_cast<float>(rows);
  for (int64_t c = 0; c < C; ++c) dr[c] = (dr[c] * k - tr[c]) * scale;
}

dim3 gridFor(const SoftmaxCeShape& s) {
  if (s.rows > static_cast<int64_t>(INT_MAX) * kThreads) fail(ErrorCode::Shape, "softmax-ce (cuda): ", s.describe(), " has too many rows for one launch");
  return dim3(static_cast<unsigned>((s.rows + kThreads - 1) / kThreads));
}

}  // namespace

void softmaxCeForward(CudaStream stream, const SoftmaxCeShape& s, const float* x, const float* t, float* loss) {
  const dim3 grid = gridFor(s);
  double* rowLoss = static_cast<double*>(workspace(stream, s.rows * static_cast<int64_t>(sizeof(double))));
  launch("softmaxCeForward", softmaxCeRowLossKernel, grid, dim3(kThreads), 0, stream, s.rows, s.classes, x, t, rowLoss);
  launch("softmaxCeMean", softmaxCeMeanKernel, dim3(1), dim3(1), 0, stream, s.rows, static_cast<const double*>(rowLoss), loss);
}

void softmaxCeBackwardInput(CudaStream stream, const SoftmaxCeShape& s, const float* x, const float* t, const float* g, float* dx) {
  launch("softmaxCeBackwardInput", softmaxCeGradientKernel, gridFor(s), dim3(kThreads), 0, stream, s.rows, s.classes, x, t, g, dx);
}

}  // namespace sj::cuda
