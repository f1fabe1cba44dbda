// Blocked, packed, multithreaded single-precision matrix multiply: the workhorse behind conv2d,
// linear, GLU and GRU. Not a ledger kernel itself: the kernels that call it count their own cost.
//
//   C[M x N] = A[M x K] . B[K x N]            (beta = 0)
//   C[M x N] = C + A[M x K] . B[K x N]        (beta = 1)
//
// Operands are views with one offset rule per axis, so transposes, batched layouts such as
// [N][C][H*W] seen as a C x (N*H*W) matrix, and weight reshapes need no copies. B may also be any
// object that can pack itself (see BPacker), which is how convolution feeds image patches to the
// GEMM without materialising an im2col matrix.
//
// Loop structure after BLIS: jc (NC columns) -> pc (KC depth, pack B) -> ic (MC rows, pack A)
// -> jr (NR) -> ir (MR) micro-kernel. The micro-kernel is chosen at run time from the widest
// instruction set the CPU has (AVX-512, AVX2+FMA, or portable C++).
#pragma once
#include <cstdint>
#include <limits>

#include "core/thread_pool.h"

namespace sj {

// Offset of index i along one matrix axis: (i / block) * blockStride + (i % block) * stride.
struct Axis {
  int64_t stride = 1;
  int64_t block = std::numeric_limits<int64_t>::max();
  int64_t blockStride = 0;
  int64_t offset(int64_t i) const { return block == std::numeric_limits<int64_t>::max() ? i * stride : (i / block) * blockStride + (i % block) * stride; }
  bool contiguous() const { return stride == 1; }
};

template <class Ptr>
struct BasicMatrixView {
  Ptr data = nullptr;
  int64_t rows = 0, cols = 0;
  Axis row, col;

  BasicMatrixView transposed() const { return {data, cols, rows, col, row}; }
  Ptr at(int64_t i, int64_t j) const { return data + row.offset(i) + col.offset(j); }
};
using MatrixView = BasicMatrixView<const float*>;
using MutableMatrixView = BasicMatrixView<float*>;

// A dense row-major matrix with leading dimension ld.
template <class Ptr>
BasicMatrixView<Ptr> rowMajor(Ptr data, int64_t rows, int64_t cols, int64_t ld) {
  return {data, rows, cols, Axis{ld}, Axis{1}};
}
template <class Ptr>
BasicMatrixView<Ptr> rowMajor(Ptr data, int64_t rows, int64_t cols) {
  return rowMajor(data, rows, cols, cols);
}
// A tensor [batch][rows][inner] seen as a rows x (batch * inner) matrix.
template <class Ptr>
BasicMatrixView<Ptr> batchedColumns(Ptr data, int64_t batch, int64_t rows, int64_t inner) {
  return {data, rows, batch * inner, Axis{inner}, Axis{1, inner, rows * inner}};
}

// Something that can write a block of a K x N matrix in packed-panel form:
//   dst[panel * panelStride + k * nr + jj] = B(k0 + k, j0 + panel * nr + jj), zero beyond column N.
// panelStride is kc * nr plus one cache line (packedPanelStride): kc * nr floats is a multiple of
// 4 KiB for the usual depths, so without the skew row k of every panel would fall in one L1 set
// and a packer that writes row by row across the panels (the im2col packer) would thrash it.
class BPacker {
 public:
  virtual ~BPacker() = default;
  virtual void pack(int64_t k0, int64_t kc, int64_t j0, int64_t nc, int nr, int64_t panelStride, float* dst) const = 0;
};
inline int64_t packedPanelStride(int64_t kc, int nr) { return kc * nr + 16; }

// The default packer: reads B through a view.
class ViewPacker : public BPacker {
 public:
  explicit ViewPacker(const MatrixView& b) : b_(b) {}
  void pack(int64_t k0, int64_t kc, int64_t j0, int64_t nc, int nr, int64_t panelStride, float* dst) const override;

 private:
  MatrixView b_;
};

enum class Accumulate { Overwrite, Add };

void gemm(ThreadPool& pool, const MatrixView& a, const BPacker& b, int64_t n, const MutableMatrixView& c, Accumulate mode);
void gemm(ThreadPool& pool, const MatrixView& a, const MatrixView& b, const MutableMatrixView& c, Accumulate mode);

// As gemm(), but computes C^T = B^T . A^T instead when that wastes less of the micro-tiles: when C
// is narrow (a small batch), its narrow side should fall on whichever tile side it fills best.
// The choice depends on the shapes only, so results do not depend on the thread count.
void gemmBestOrientation(ThreadPool& pool, const MatrixView& a, const MatrixView& b, const MutableMatrixView& c, Accumulate mode);

// Micro-tile of the kernel in use (rows x columns), for benchmarks and diagnostics.
int gemmTileRows();
int gemmTileColumns();

}  // namespace sj
