#include "kernels/cuda/bias_sums.h"

#include <cuda_runtime.h>

#include "base/error.h"
#include "cuda/launch.h"
#include "kernels/cuda/block_reduce.h"
#include "kernels/cuda/column_sums.cuh"

namespace sj::cuda::sums {
namespace {

constexpr int kThreads = 256;
constexpr int kWarps = kThreads / 32;
// Rows at least this long get a whole block each; shorter ones a warp (8 rows per block).
constexpr int64_t kBlockRow = 1024;

// sum + a[j] (* gate[j]): the gated sum is the reference's mac(sum, a, gate).
template <bool Gated>
__device__ __forceinline__ float accumulate(float sum, const float* a, const float* gate, int j) {
  if constexpr (Gated) {
    return fmaf(a[j], gate[j], sum);
  } else {
    return sum + a[j];
  }
}

// One warp per row: lane l adds elements l, l + 32, ... in order, then a butterfly across lanes.
template <bool Gated>
__global__ void planeSumsWarpKernel(int64_t rows, int plane, const float* __restrict__ a, const float* __restrict__ gate, float* __restrict__ out) {
  const int lane = threadIdx.x % 32;
  const int64_t row = static_cast<int64_t>(blockIdx.x) * kWarps + threadIdx.x / 32;
  if (row >= rows) return;  // whole warps only: the shuffles below see all 32 lanes
  const float* r = a + row * plane;
  const float* g = Gated ? gate + row * plane : nullptr;
  float sum = 0.f;
  for (int j = lane; j < plane; j += 32) sum = accumulate<Gated>(sum, r, g, j);
  sum = warpSum(sum);
  if (lane == 0) out[row] = sum;
}

// One block per row, for long rows.
template <bool Gated>
__global__ void planeSumsBlockKernel(int plane, const float* __restrict__ a, const float* __restrict__ gate, float* __restrict__ out) {
  const int64_t row = blockIdx.x;
  const float* r = a + row * plane;
  const float* g = Gated ? gate + row * plane : nullptr;
  float sum = 0.f;
  for (int j = threadIdx.x; j < plane; j += kThreads) sum = accumulate<Gated>(sum, r, g, j);
  sum = blockSum(sum);
  if (threadIdx.x == 0) out[row] = sum;
}

template <bool Gated>
void planeSumsOf(const char* name, CudaStream stream, int64_t rows, int64_t plane, const float* a, const float* gate, float* out) {
  if (plane >= kBlockRow) {
    launch(name, planeSumsBlockKernel<Gated>, dim3(static_cast<unsigned>(rows)), dim3(kThreads), 0, stream, static_cast<int>(plane), a, gate, out);
  } else {
    launch(name, planeSumsWarpKernel<Gated>, dim3(static_cast<unsigned>((rows + kWarps - 1) / kWarps)), dim3(kThreads), 0, stream, rows,
           static_cast<int>(plane), a, gate, out);
  }
}

}  // namespace

void planeSums(const char* name, CudaStream stream, int64_t rows, int64_t plane, const float* a, const float* gate, float* out) {
  if (gate) {
    planeSumsOf<true>(name, stream, rows, plane, a, gate, out);
  } else {
    planeSumsOf<false>(name, stream, rows, plane, a, gate, out);
  }
}

int64_t columnSumsScratch(int64_t rows, int64_t cols) { return rows > kChunkRows ? 2 * chunksOf(rows) * cols : 0; }

void columnSums(const char* name, CudaStream stream, int64_t rows, int64_t cols, const float* in, float* out, float* scratch) {
  columnSums<float>(name, stream, rows, cols, in, scratch, ColumnTotals{out});
}

}  // namespace sj::cuda::sums
