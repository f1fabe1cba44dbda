#include "kernels/glu.h"

#include <algorithm>
#include <limits>
#include <vector>

#include "core/aligned_buffer.h"
#include "kernels/cpu/gemm.h"
#include "kernels/cpu/inner_products.h"
#include "kernels/cpu/lane_sum.h"
#include "kernels/cpu/vector_math.h"

namespace sj {

namespace {

// Element-wise work in ranges of at least this many elements per thread.
constexpr int64_t kGrain = 1 << 14;
int64_t planeGrain(int64_t plane) { return std::max<int64_t>(1, kGrain / plane); }

// The weight gradient forms dy * sig in a buffer of at most this many floats (or one item's),
// still in the last-level cache when it is read, its planes aligned to cache lines of this many.
constexpr int64_t kGatedFloats = 1 << 20;
constexpr int64_t kLineFloats = 16;

// Length of the run of indices from i (at most `limit`) that stay in one block of the axis, so
// that their offsets are evenly spaced by the axis stride.
int64_t runInBlock(const Axis& axis, int64_t i, int64_t limit) {
  if (axis.block == std::numeric_limits<int64_t>::max()) return limit;
  return std::min(limit, axis.block - i % axis.block);
}

// B(k, j) = dy(k, j) * sig(k, j), where dy is read through a view contiguous along j (the
// positions) and sig has the same layout: the gradient of lin, multiplied while it is packed and
// never stored.
class GatedGradientPacker : public BPacker {
 public:
  GatedGradientPacker(const MatrixView& dy, const float* sig) : dy_(dy), sig_(sig) {}

  void pack(int64_t k0, int64_t kc, int64_t j0, int64_t nc, int nr, int64_t panelStride, float* dst) const override {
    const Axis &row = dy_.row, &col = dy_.col;
    for (int64_t p = 0; p * nr < nc; ++p) {
      const int64_t jbase = j0 + p * nr;
      const int width = static_cast<int>(std::min<int64_t>(nr, j0 + nc - jbase));
      float* d = dst + p * panelStride;
      for (int jj = 0; jj < width;) {
        const int cols = static_cast<int>(runInBlock(col, jbase + jj, width - jj));
        const int64_t colBase = col.offset(jbase + jj);
        for (int64_t k = 0; k < kc;) {
          const int64_t rows = runInBlock(row, k0 + k, kc - k);
          const float* a = dy_.data + colBase + row.offset(k0 + k);
          const float* b = sig_ + (a - dy_.data);
          float* out = d + k * nr + jj;
          for (int64_t r = 0; r < rows; ++r, a += row.stride, b += row.stride, out += nr)
            for (int q = 0; q < cols; ++q) out[q] = a[q] * b[q];
          k += rows;
        }
        jj += cols;
      }
      for (int64_t k = 0; k < kc; ++k)
        for (int jj = width; jj < nr; ++jj) d[k * nr + jj] = 0.f;
    }
  }

 private:
  MatrixView dy_;
  const float* sig_;
};

}  // namespace

void gluForward(ThreadPool& pool, const GluShape& s, const float* x, const float* w, const float* b, float* lin, float* sig, float* y) {
  const int64_t plane = s.h * s.w;
  // lin (C x N*P) = w (C x C) . x (C x N*P)
  gemm(pool, rowMajor(w, s.c, s.c), batchedColumns(x, s.n, s.c, plane), batchedColumns(lin, s.n, s.c, plane), Accumulate::Overwrite);
  // then lin += b, sig = sigmoid(x) and y = lin * sig in one pass over each plane
  const vector_math::Kernels& math = vector_math::active();
  pool.parallelFor(s.n * s.c, planeGrain(plane), [&](int64_t begin, int64_t end) {
    for (int64_t nc = begin; nc < end; ++nc) {
      const int64_t at = nc * plane;
      math.gate(x + at, s.bias ? b[nc % s.c] : -0.0f, lin + at, sig + at, y + at, plane);
    }
  });
}

void gluBackwardInput(ThreadPool& pool, const GluShape& s, const float* dy, const float* w, const float* lin, const float* sig, float* dx) {
  const int64_t plane = s.h * s.w;
  // dx = (dy * sig) * lin * (1 - sig), then dx += w^T (C x C) . (dy * sig) (C x N*P)
  pool.parallelFor(s.n * s.c, planeGrain(plane), [&](int64_t begin, int64_t end) {
    for (int64_t i = begin * plane; i < end * plane; ++i) dx[i] = dy[i] * sig[i] * lin[i] * (1.f - sig[i]);
  });
  gemm(pool, rowMajor(w, s.c, s.c).transposed(), GatedGradientPacker(batchedColumns(dy, s.n, s.c, plane), sig), s.n * plane,
       batchedColumns(dx, s.n, s.c, plane), Accumulate::Add);
}

void gluBackwardWeight(ThreadPool& pool, const GluShape& s, const float* dy, const float* sig, const float* x, float* dw) {
  // dw[co][ci] = sum over n, p of g[n][co][p] * x[n][ci][p]: inner products of rows contiguous
  // along the positions. The gated gradient g = dy * sig is formed a few items at a time, its
  // planes a whole number of cache lines apart, and so are x's (copied beside g when they are not):
  // vector loads that straddle two lines cost a quarter of the multiply-adds' time.
  const int64_t plane = s.h * s.w, stride = (plane + kLineFloats - 1) / kLineFloats * kLineFloats, perItem = s.c * stride;
  const bool xAligned = stride == plane;
  const int64_t operands = xAligned ? 1 : 2;
  const int64_t chunk = std::clamp<int64_t>(kGatedFloats / (operands * perItem), 1, s.n);
  std::vector<int64_t> channelOffset(s.c);
  for (int64_t c = 0; c < s.c; ++c) channelOffset[c] = c * stride;
  thread_local AlignedBuffer<float> buffer;  // scratch reused across calls: no page faults per call
  buffer.reserve(operands * chunk * perItem);
  float* gated = buffer.data();
  float* xCopy = gated + chunk * perItem;
  InnerProductSums sums(s.c, s.c);
  for (int64_t n0 = 0; n0 < s.n; n0 += chunk) {
    const int64_t count = std::min(chunk, s.n - n0);
    pool.parallelFor(count * s.c, planeGrain(plane), [&](int64_t begin, int64_t end) {
      for (int64_t nc = begin; nc < end; ++nc) {
        const int64_t from = (n0 * s.c + nc) * plane, to = nc * stride;
        for (int64_t i = 0; i < plane; ++i) gated[to + i] = dy[from + i] * sig[from + i];
        if (!xAligned) std::copy(x + from, x + from + plane, xCopy + to);
      }
    });
    const InnerProductOperand g{gated, channelOffset.data(), perItem, stride};
    const InnerProductOperand xs{xAligned ? x + n0 * perItem : xCopy, channelOffset.data(), perItem, stride};
    sums.add(pool, g, xs, PositionGrid{count, 1, plane});
  }
  sums.store(dw, s.c, 1);
}

void gluBackwardBias(ThreadPool& pool, const GluShape& s, const float* dy, const float* sig, float* db) {
  sumPerChannel(
      pool, s.n, s.c, s.h * s.w, [dy, sig](int64_t, int64_t k) { return static_cast<double>(dy[k]) * sig[k]; },
      [db](int64_t c, double total) { db[c] = static_cast<float>(total); });
}

}  // namespace sj
