#include "kernels/cpu/gemm.h"

#include <algorithm>
#include <cstring>
#include <vector>

#include "base/error.h"
#include "core/aligned_buffer.h"
#include "core/cost.h"
#include "core/cpu_isa.h"
#include "core/executed_macs.h"
#include "kernels/cpu/gemm_microkernel.h"

namespace sj {
namespace gemm_detail {

MicroKernel microKernelGeneric() { return microKernelOf<4, 2, 4>(); }
MicroKernel rowKernelGeneric() { return microKernelOf<1, 4, 4>(); }

const MicroKernel& activeMicroKernel() {
  static const MicroKernel kernel = forActiveIsa<MicroKernel>(SJ_ISA_BUILDS(&microKernelGeneric, &microKernelAvx2, &microKernelAvx512));
  return kernel;
}

const MicroKernel& activeRowKernel() {
  static const MicroKernel kernel = forActiveIsa<MicroKernel>(SJ_ISA_BUILDS(&rowKernelGeneric, &rowKernelAvx2, &rowKernelAvx512));
  return kernel;
}

}  // namespace gemm_detail

namespace {

using gemm_detail::MicroKernel;

constexpr int64_t kKc = 256;  // depth of a packed block: a KC x NR panel of B stays in L1
// A packed block of B (KC x NC) that stays in a 1 MiB L2 beside the packed A: packing writes it
// and the micro-kernels read it back from L2 rather than from memory.
constexpr int64_t kPackedBBytes = 384 * 1024;

bool sameBlock(const Axis& axis, int64_t first, int64_t last) {
  return axis.block == std::numeric_limits<int64_t>::max() || first / axis.block == last / axis.block;
}

// dst[(panel * kc + k) * mr + ii] = A(i0 + panel * mr + ii, k0 + k), zero beyond the last row.
void packA(const MatrixView& a, int64_t i0, int64_t mc, int64_t k0, int64_t kc, int mr, float* dst,
           std::vector<int64_t>& colOffsets) {
  const bool rowsContiguous = a.row.stride == 1;
  const bool colsContiguous = a.col.stride == 1 && sameBlock(a.col, k0, k0 + kc - 1);
  if (!colsContiguous) {
    colOffsets.resize(kc);
    for (int64_t k = 0; k < kc; ++k) colOffsets[k] = a.col.offset(k0 + k);
  }
  for (int64_t p = 0; p * mr < mc; ++p) {
    const int64_t ibase = i0 + p * mr;
    const int height = static_cast<int>(std::min<int64_t>(mr, i0 + mc - ibase));
    float* d = dst + p * kc * mr;
    if (rowsContiguous && sameBlock(a.row, ibase, ibase + height - 1)) {
      for (int64_t k = 0; k < kc; ++k) {
        const float* s = a.at(ibase, k0 + k);
        std::memcpy(d + k * mr, s, height * sizeof(float));
        for (int ii = height; ii < mr; ++ii) d[k * mr + ii] = 0.f;
      }
      continue;
    }
    for (int ii = 0; ii < height; ++ii) {
      if (colsContiguous) {
        const float* s = a.at(ibase + ii, k0);
        for (int64_t k = 0; k < kc; ++k) d[k * mr + ii] = s[k];
      } else {
        const float* s = a.data + a.row.offset(ibase + ii);
        for (int64_t k = 0; k < kc; ++k) d[k * mr + ii] = s[colOffsets[k]];
      }
    }
    for (int ii = height; ii < mr; ++ii)
      for (int64_t k = 0; k < kc; ++k) d[k * mr + ii] = 0.f;
  }
}

// Adds (or writes) an h x w tile into C at (i, j).
void mergeTile(const float* tile, int nr, const MutableMatrixView& c, int64_t i, int64_t j, int h, int w, bool overwrite) {
  if (c.col.stride == 1 && sameBlock(c.col, j, j + w - 1)) {
    float* base = c.data + c.col.offset(j);
    for (int ii = 0; ii < h; ++ii) {
      float* dst = base + c.row.offset(i + ii);
      const float* t = tile + ii * nr;
      if (overwrite) {
        for (int jj = 0; jj < w; ++jj) dst[jj] = t[jj];
      } else {
        for (int jj = 0; jj < w; ++jj) dst[jj] += t[jj];
      }
    }
    return;
  }
  for (int ii = 0; ii < h; ++ii)
    for (int jj = 0; jj < w; ++jj) {
      float* dst = c.at(i + ii, j + jj);
      *dst = overwrite ? tile[ii * nr + jj] : *dst + tile[ii * nr + jj];
    }
}

// Rows i .. i + count - 1 of an axis lie evenly spaced by its stride (one block).
bool evenlySpaced(const Axis& axis, int64_t i, int64_t count) { return sameBlock(axis, i, i + count - 1); }

// The depth of each packed block: K split into equal parts of at most kKc, so that no block is a
// thin remainder that pays a full pass over C for little work.
int64_t blockDepth(int64_t k) {
  const int64_t blocks = (k + kKc - 1) / kKc;
  return (k + blocks - 1) / blocks;
}

// Rows [m0, m1) x columns [n0, n1) of C; returns the multiply-adds its micro-kernels executed
// (every call computes a full MR x NR tile over its depth, zero-padded at the edges).
// inPlace: B itself when the micro-kernel may read its rows where they lie (see gemm below); its
// last, partial panel is still packed.
int64_t gemmSerial(const MicroKernel& kernel, const MatrixView& a, const BPacker& b, const MatrixView* inPlace, const MutableMatrixView& c,
                   int64_t m0, int64_t m1, int64_t n0, int64_t n1, int64_t k, Accumulate mode) {
  const int mr = kernel.mr, nr = kernel.nr;
  const int64_t mcMax = std::max<int64_t>(mr, 144 / mr * mr);
  const int64_t kcMax = blockDepth(k);
  const int64_t ncMax = std::max<int64_t>(nr, kPackedBBytes / (kcMax * kFloatBytes) / nr * nr);
  thread_local AlignedBuffer<float> bufA, bufB, tile;
  thread_local std::vector<int64_t> colOffsets, bRows;
  if (inPlace) {
    bRows.resize(k);
    for (int64_t kk = 0; kk < k; ++kk) bRows[kk] = inPlace->row.offset(kk);
  }
  bufA.reserve(mcMax * kcMax);
  bufB.reserve(ncMax / nr * packedPanelStride(kcMax, nr));
  tile.reserve(static_cast<int64_t>(mr) * nr);
  int64_t tiles = 0;  // micro-kernel calls times their depth
  const bool cColumnsContiguous = c.col.stride == 1;
  for (int64_t jc = n0; jc < n1; jc += ncMax) {
    const int64_t nc = std::min(ncMax, n1 - jc);
    for (int64_t pc = 0; pc < k; pc += kcMax) {
      const int64_t kc = std::min(kcMax, k - pc);
      const int64_t panelStride = packedPanelStride(kc, nr);
      const int64_t packedFrom = inPlace ? nc / nr * nr : 0;  // in place: only a partial last panel is packed
      if (packedFrom < nc) b.pack(pc, kc, jc + packedFrom, nc - packedFrom, nr, panelStride, bufB.data() + packedFrom / nr * panelStride);
      const bool overwrite = pc == 0 && mode == Accumulate::Overwrite;
      for (int64_t ic = m0; ic < m1; ic += mcMax) {
        const int64_t mc = std::min(mcMax, m1 - ic);
        packA(a, ic, mc, pc, kc, mr, bufA.data(), colOffsets);
        for (int64_t jr = 0; jr < nc; jr += nr) {
          const float* bPanel = bufB.data() + (jr / nr) * panelStride;
          const int w = static_cast<int>(std::min<int64_t>(nr, nc - jr));
          const int64_t j = jc + jr;
          const bool columnsDirect = w == nr && cColumnsContiguous && sameBlock(c.col, j, j + nr - 1);
          const bool readInPlace = inPlace && jr < packedFrom;
          for (int64_t ir = 0; ir < mc; ir += mr) {
            const float* aPanel = bufA.data() + (ir / mr) * kc * mr;
            const int64_t i = ic + ir;
            const int h = static_cast<int>(std::min<int64_t>(mr, mc - ir));
            auto product = [&](float* out, int64_t ldc, bool add) {
              if (readInPlace) {
                kernel.runIndirect(kc, aPanel, inPlace->data + inPlace->col.offset(j), bRows.data() + pc, kernel.vectorWidth, out, ldc, add,
                                   nullptr);
              } else {
                kernel.run(kc, aPanel, bPanel, out, ldc, add);
              }
            };
            if (columnsDirect && h == mr && evenlySpaced(c.row, i, mr)) {
              product(c.at(i, j), c.row.stride, !overwrite);
            } else {
              product(tile.data(), nr, false);
              mergeTile(tile.data(), nr, c, i, j, h, w, overwrite);
            }
            tiles += kc;
          }
        }
      }
    }
  }
  return tiles * mr * nr;
}

}  // namespace

void ViewPacker::pack(int64_t k0, int64_t kc, int64_t j0, int64_t nc, int nr, int64_t panelStride, float* dst) const {
  const MatrixView& b = b_;
  for (int64_t p = 0; p * nr < nc; ++p) {
    const int64_t jbase = j0 + p * nr;
    const int width = static_cast<int>(std::min<int64_t>(nr, j0 + nc - jbase));
    float* d = dst + p * panelStride;
    if (b.col.stride == 1 && sameBlock(b.col, jbase, jbase + width - 1)) {
      const float* src = b.data + b.col.offset(jbase);
      for (int64_t k = 0; k < kc; ++k) {
        std::memcpy(d + k * nr, src + b.row.offset(k0 + k), width * sizeof(float));
        for (int jj = width; jj < nr; ++jj) d[k * nr + jj] = 0.f;
      }
      continue;
    }
    const bool rowsContiguous = b.row.stride == 1 && sameBlock(b.row, k0, k0 + kc - 1);
    for (int jj = 0; jj < width; ++jj) {
      if (rowsContiguous) {
        const float* s = b.at(k0, jbase + jj);
        for (int64_t k = 0; k < kc; ++k) d[k * nr + jj] = s[k];
      } else {
        const float* s = b.data + b.col.offset(jbase + jj);
        for (int64_t k = 0; k < kc; ++k) d[k * nr + jj] = s[b.row.offset(k0 + k)];
      }
    }
    for (int jj = width; jj < nr; ++jj)
      for (int64_t k = 0; k < kc; ++k) d[k * nr + jj] = 0.f;
  }
}

namespace {

void gemmWith(ThreadPool& pool, const MatrixView& a, const BPacker& b, const MatrixView* inPlace, int64_t n, const MutableMatrixView& c,
              Accumulate mode) {
  const int64_t m = a.rows, k = a.cols;
  if (c.rows != m || c.cols != n) {
    fail(ErrorCode::Internal, "gemm: C is ", c.rows, "x", c.cols, " but A.B is ", m, "x", n);
  }
  if (m == 0 || n == 0) return;
  if (k == 0) {
    if (mode == Accumulate::Overwrite)
      for (int64_t i = 0; i < m; ++i)
        for (int64_t j = 0; j < n; ++j) *c.at(i, j) = 0.f;
    return;
  }
  const MicroKernel& kernel = m == 1 ? gemm_detail::activeRowKernel() : gemm_detail::activeMicroKernel();
  const int threads = pool.size();
  const double work = static_cast<double>(m) * n * k;
  if (threads == 1 || work < 262144.0) {
    countExecutedMacs(gemmSerial(kernel, a, b, inPlace, c, 0, m, 0, n, k, mode));
    return;
  }
  // Split the larger of M and N into per-thread ranges aligned to the micro-tile, so every thread
  // packs full panels and no two threads write the same element of C.
  const bool splitN = n >= m;
  const int64_t unit = splitN ? kernel.nr : kernel.mr;
  const int64_t units = ((splitN ? n : m) + unit - 1) / unit;
  const int tasks = static_cast<int>(std::min<int64_t>(threads, units));
  std::vector<int64_t> executed(tasks, 0);
  pool.run(tasks, [&](int t) {
    const int64_t extent = splitN ? n : m;
    const int64_t begin = std::min(extent, units * t / tasks * unit);
    const int64_t end = std::min(extent, units * (t + 1) / tasks * unit);
    if (begin >= end) return;
    executed[t] = splitN ? gemmSerial(kernel, a, b, inPlace, c, 0, m, begin, end, k, mode)
                         : gemmSerial(kernel, a, b, inPlace, c, begin, end, 0, n, k, mode);
  });
  for (int64_t e : executed) countExecutedMacs(e);
}

}  // namespace

void gemm(ThreadPool& pool, const MatrixView& a, const BPacker& b, int64_t n, const MutableMatrixView& c, Accumulate mode) {
  gemmWith(pool, a, b, nullptr, n, c, mode);
}

void gemm(ThreadPool& pool, const MatrixView& a, const MatrixView& b, const MutableMatrixView& c, Accumulate mode) {
  if (a.cols != b.rows) fail(ErrorCode::Internal, "gemm: A is ", a.rows, "x", a.cols, " but B is ", b.rows, "x", b.cols);
  // A with a micro-tile's rows or two: each packed float of B would serve only that many FMAs, so
  // packing B would cost as much as the product (the GRU's h . W_hh^T at every step, the batch as
  // M). When B's rows are contiguous, the micro-kernel reads them in place instead.
  // Rows in blocks (a batch of planes) qualify when no panel of NR columns straddles two blocks.
  const MicroKernel& kernel = a.rows == 1 ? gemm_detail::activeRowKernel() : gemm_detail::activeMicroKernel();
  const bool panelsContiguous = b.col.stride == 1 && (b.col.block == std::numeric_limits<int64_t>::max() || b.col.block % kernel.nr == 0);
  const bool inPlace = panelsContiguous && a.rows <= 2 * gemm_detail::activeMicroKernel().mr;
  gemmWith(pool, a, ViewPacker(b), inPlace ? &b : nullptr, b.cols, c, mode);
}

void gemmBestOrientation(ThreadPool& pool, const MatrixView& a, const MatrixView& b, const MutableMatrixView& c, Accumulate mode) {
  const int64_t mr = gemmTileRows(), nr = gemmTileColumns();
  auto up = [](int64_t v, int64_t unit) { return (v + unit - 1) / unit * unit; };
  if (up(b.cols, mr) * up(a.rows, nr) < up(a.rows, mr) * up(b.cols, nr)) {
    gemm(pool, b.transposed(), a.transposed(), c.transposed(), mode);
  } else {
    gemm(pool, a, b, c, mode);
  }
}

int gemmTileRows() { return gemm_detail::activeMicroKernel().mr; }
int gemmTileColumns() { return gemm_detail::activeMicroKernel().nr; }

}  // namespace sj
