// Column sums of a row-major matrix in a fixed order, the one kernel behind every bias gradient
// (conv2d, linear and glu in float; the GRU's gate gradients in double, as on its CPU):
//   out[c] = sum over r < rows of in[r * cols + c]
// Block (32 columns x 8 row lanes), grid (column blocks, row chunks): thread (tx, ty) adds rows
// ty, ty + 8, ... of its chunk of kChunkRows in order, then the 8 lanes are added in order. A column
// longer than one chunk leaves one partial per chunk, summed again the same way until one chunk
// remains, whose sums go to the caller's store. The bits depend on the shape and the data only;
// no floating-point atomics. Device code: included by .cu files.
#pragma once
#include <cuda_runtime.h>

#include <cstdint>

#include "base/error.h"
#include "cuda/launch.h"

namespace sj::cuda::sums {

constexpr int kColumnThreads = 256;
constexpr int kColumnLanes = kColumnThreads / 32;
// Rows per block; longer columns are summed in chunks, then the chunks likewise.
constexpr int kChunkRows = 256;

inline int chunksOf(int64_t rows) { return static_cast<int>((rows + kChunkRows - 1) / kChunkRows); }

// The partial sums of one level: [chunk][column], in the accumulator's type.
template <class Acc>
struct ChunkPartials {
  Acc* data;
  int cols;
  __device__ __forceinline__ void store(int chunk, int column, Acc sum) const { data[static_cast<int64_t>(chunk) * cols + column] = sum; }
};

// The finished sums as floats: out[column].
struct ColumnTotals {
  float* out;
  template <class Acc>
  __device__ __forceinline__ void store(int, int column, Acc sum) const {
    out[column] = static_cast<float>(sum);
  }
};

template <class Acc, class In, class Store>
__global__ void columnSumsKernel(int rows, int cols, const In* __restrict__ in, Store store) {
  __shared__ Acc lanes[kColumnLanes][33];
  const int tx = threadIdx.x % 32, ty = threadIdx.x / 32;
  const int c = blockIdx.x * 32 + tx;
  const int begin = blockIdx.y * kChunkRows, end = min(rows, begin + kChunkRows);
  Acc sum = 0;
  if (c < cols)
    for (int r = begin + ty; r < end; r += kColumnLanes) sum += in[static_cast<int64_t>(r) * cols + c];
  lanes[ty][tx] = sum;
  __syncthreads();
  if (ty == 0 && c < cols) {
    Acc total = lanes[0][tx];
    for (int w = 1; w < kColumnLanes; ++w) total += lanes[w][tx];
    store.store(blockIdx.y, c, total);
  }
}

// Sums the columns of `in` [rows][cols] in Acc and hands each column's sum to last.store(0, c,
// sum). `scratch`: columnSumsScratch(rows, cols) values of Acc (bias_sums.h; null when that is 0).
// `name` names the launches.
template <class Acc, class Last>
void columnSums(const char* name, CudaStream stream, int64_t rows, int64_t cols, const float* in, Acc* scratch, const Last& last) {
  if (chunksOf(rows) > 65535) fail(ErrorCode::Shape, name, " (CUDA): ", rows, " rows is more than the column sums' grid allows");
  const dim3 block(kColumnThreads);
  auto grid = [&](int64_t r) { return dim3(static_cast<unsigned>((cols + 31) / 32), static_cast<unsigned>(chunksOf(r))); };
  if (chunksOf(rows) == 1) {
    launch(name, columnSumsKernel<Acc, float, Last>, grid(rows), block, 0, stream, static_cast<int>(rows), static_cast<int>(cols), in, last);
    return;
  }
  // Two ping-pong levels of partials: the first from `in`, each later one from the level before.
  Acc* levels[2] = {scratch, scratch + static_cast<int64_t>(chunksOf(rows)) * cols};
  launch(name, columnSumsKernel<Acc, float, ChunkPartials<Acc>>, grid(rows), block, 0, stream, static_cast<int>(rows), static_cast<int>(cols),
         in, ChunkPartials<Acc>{levels[0], static_cast<int>(cols)});
  for (int level = 0;; ++level) {
    rows = chunksOf(rows);
    const Acc* from = levels[level % 2];
    if (chunksOf(rows) == 1) {
      launch(name, columnSumsKernel<Acc, Acc, Last>, grid(rows), block, 0, stream, static_cast<int>(rows), static_cast<int>(cols), from, last);
      return;
    }
    launch(name, columnSumsKernel<Acc, Acc, ChunkPartials<Acc>>, grid(rows), block, 0, stream, static_cast<int>(rows), static_cast<int>(cols),
           from, ChunkPartials<Acc>{levels[(level + 1) % 2], static_cast<int>(cols)});
  }
}

}  // namespace sj::cuda::sums
