// Inner products over a long reduction: C[i][j] = sum over positions p of A_i(p) * B_j(p), for the
// weight gradients whose GEMM has a small M and N (output x input channels) and a huge depth K
// (N * H * W positions). As a GEMM both operands are transposed while they are packed (strided
// writes of every float for few multiply-adds each); here both are read in place, contiguous along
// the positions, into vector accumulators acc[i][j] that each hold W lanes of partial sums (a block
// of MR x NR per call: 4 x 6 on AVX-512, 3 x 4 on AVX2, 2 x 4 portable), folded in a fixed tree
// at the end of each block of positions and added to one running float per product.
//
// Positions are walked as (item, row, element): row i of an operand holds position (n, r, e) at
// data + offset[i] + n * itemStride + r * rowStride + e, for e < length contiguous. Per-row offsets
// let B_j be a tap (c, ky, kx) of a shifted, zero-padded image. The positions are cut into blocks
// that stay in cache while every (i-block, j-block) pair passes over them; the running sums live
// in a buffer (m x n floats, padded to whole blocks; small enough to stay in L2, where W lanes per
// product would not) between blocks and between add() calls, so callers may add the positions a
// few items at a time (e.g. through a buffer they refill). Threads split the pairs, never the
// positions: every sum runs in one order whatever the thread count.
#pragma once
#include <cstdint>
#include <vector>

#include "core/aligned_buffer.h"
#include "core/thread_pool.h"

namespace sj {

struct InnerProductOperand {
  const float* data;
  const int64_t* offset;  // one per row of the operand
  int64_t itemStride;
  int64_t rowStride;
};

struct PositionGrid {
  int64_t items;
  int64_t rows;
  int64_t length;  // contiguous elements per row
};

class InnerProductSums {
 public:
  // Sums for an m x n result, all zero.
  InnerProductSums(int64_t m, int64_t n);

  // Adds the products over `grid` of rows i < m of a and j < n of b. Counts the multiply-adds it
  // executes (padded blocks, lanes past a row's end).
  void add(ThreadPool& pool, const InnerProductOperand& a, const InnerProductOperand& b, const PositionGrid& grid);

  // c[i * rowStride + j * colStride] = the sum of (i, j).
  void store(float* c, int64_t rowStride, int64_t colStride) const;

 private:
  int64_t m_, n_, iBlocks_, jBlocks_;
  AlignedBuffer<float> sums_;  // per pair jb * iBlocks + ib: [MR][NR]
};

namespace inner_products_detail {

struct Kernels {
  int width;  // floats per vector
  int mr, nr;
  // sums[ii * nr + jj] += sum over r < rows, e < length of a[ii][r * aRowStride + e] *
  // b[jj][r * bRowStride + e], in W lanes folded in a fixed order.
  void (*block)(const float* const* a, const float* const* b, int64_t rows, int64_t aRowStride, int64_t bRowStride, int64_t length,
                float* sums);
};

const Kernels& active();
Kernels generic();
#if defined(SEDJOULE_X86)
Kernels avx2();
Kernels avx512();
#endif

}  // namespace inner_products_detail
}  // namespace sj
