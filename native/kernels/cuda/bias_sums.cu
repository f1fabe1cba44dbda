#include "kernels/cuda/bias_sums.h"

#include <cuda_runtime.h>

#include "base/error.h"
#include "cuda/launch.h"
#include "kernels/cuda/block_reduce.h"

namespace sj::cuda::sums {
namespace {

constexpr int kThreads = 256;
constexpr int kWarps = kThreads / 32;
// Rows at least this long get a whole block each; shorter ones a warp (8 rows per block).
constexpr int64_t kBlockRow = 1024;
// columnSums: rows per block; longer columns are summed in chunks, then the chunks likewise.
constexpr int kChunkRows = 256;

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

// Block (32 columns x 8 row lanes), grid (column blocks, row chunks): thread (tx, ty) adds rows
// ty, ty + 8, ... of its chunk in order; the 8 lanes are then added in order.
__global__ void columnSumsKernel(int rows, int cols, const float* __restrict__ in, float* __restrict__ out) {
  __shared__ float lanes[kWarps][33];
  const int tx = threadIdx.x % 32, ty = threadIdx.x / 32;
  const int c = blockIdx.x * 32 + tx;
  const int begin = blockIdx.y * kChunkRows, end = min(rows, begin + kChunkRows);
  float sum = 0.f;
  if (c < cols)
    for (int r = begin + ty; r < end; r += kWarps) sum += in[static_cast<int64_t>(r) * cols + c];
  lanes[ty][tx] = sum;
  __syncthreads();
  if (ty == 0 && c < cols) {
    float total = lanes[0][tx];
    for (int w = 1; w < kWarps; ++w) total += lanes[w][tx];
    out[static_cast<int64_t>(blockIdx.y) * cols + c] = total;
  }
}

int chunksOf(int64_t rows) { return static_cast<int>((rows + kChunkRows - 1) / kChunkRows); }

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
  if (chunksOf(rows) > 65535) fail(ErrorCode::Shape, name, " (CUDA): ", rows, " rows is more than the column sums' grid allows");
  float* buffers[2] = {scratch, scratch ? scratch + chunksOf(rows) * cols : nullptr};
  int level = 0;
  while (true) {
    const int chunks = chunksOf(rows);
    float* target = chunks == 1 ? out : buffers[level % 2];
    launch(name, columnSumsKernel, dim3(static_cast<unsigned>((cols + 31) / 32), static_cast<unsigned>(chunks)), dim3(kThreads), 0, stream,
           static_cast<int>(rows), static_cast<int>(cols), in, target);
    if (chunks == 1) return;
    in = target;
    rows = chunks;
    ++level;
  }
}

}  // namespace sj::cuda::sums
