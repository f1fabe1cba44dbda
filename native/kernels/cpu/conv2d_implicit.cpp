#include "kernels/cpu/conv2d_implicit.h"

#include <algorithm>
#include <vector>

#include "core/aligned_buffer.h"
#include "core/executed_macs.h"
#include "kernels/cpu/gemm_microkernel.h"

namespace sj {
namespace {

using gemm_detail::MicroKernel;

// Depth of one block of taps: the B rows of a micro-tile (depth x NR floats) stay in L1 while
// every panel of weights passes over them. 144 = 16 channels of a 3x3 kernel.
constexpr int64_t kBlockDepth = 144;

int64_t roundUp(int64_t v, int64_t unit) { return (v + unit - 1) / unit * unit; }

// Weights [M][K] as micro-kernel panels, block by block of depth: block kb (depth kc, from k0)
// starts at k0 * roundUp(M, mr); panel p of it at + p * kc * mr; [k][ii] = w[p * mr + ii][k0 + k].
std::vector<float> packWeights(const float* w, int64_t m, int64_t k, int mr) {
  const int64_t rows = roundUp(m, mr);
  std::vector<float> packed(rows * k, 0.f);
  for (int64_t k0 = 0; k0 < k; k0 += kBlockDepth) {
    const int64_t kc = std::min(kBlockDepth, k - k0);
    float* block = packed.data() + k0 * rows;
    for (int64_t i = 0; i < m; ++i) {
      float* panel = block + (i / mr) * kc * mr + i % mr;
      for (int64_t t = 0; t < kc; ++t) panel[t * mr] = w[i * k + k0 + t];
    }
  }
  return packed;
}

// y (M = Cout channels) from x through `packed` weights (K = Cin * KH * KW), plus the bias (null:
// none), added as the first block of taps is stored: no second pass over y.
void implicitGemm(ThreadPool& pool, const Conv2dShape& s, const float* x, const std::vector<float>& packed, const float* bias, float* y) {
  const MicroKernel& kernel = gemm_detail::activeMicroKernel();
  const int mr = kernel.mr, nr = kernel.nr;
  const int64_t ho = s.ho(), wo = s.wo(), hp = s.h + s.pt + s.pb, wp = s.w + s.pl + s.pr;
  const int64_t taps = s.cin * s.kh * s.kw, m = s.cout, rows = roundUp(m, mr);
  // Tap (c, ky, kx) of output (oy, ox) reads padded[c][oy * sh + ky * dh][ox + kx * dw].
  std::vector<int64_t> tapOffset(taps);
  for (int64_t t = 0; t < taps; ++t) {
    const int64_t c = t / (s.kh * s.kw), ky = (t / s.kw) % s.kh, kx = t % s.kw;
    tapOffset[t] = (c * hp + ky * s.dh) * wp + kx * s.dw;
  }
  const int64_t plane = ho * wo;
  std::vector<float> rowBias;  // the bias over the packed rows, zeros past Cout
  if (bias) {
    rowBias.assign(rows, 0.f);
    std::copy(bias, bias + m, rowBias.begin());
  }
  const bool rowPairs = wo < nr;
  const int64_t bStep = rowPairs ? s.sh * wp : kernel.vectorWidth;
  pool.parallelFor(s.n * ho, 2, [&](int64_t begin, int64_t end) {
    thread_local AlignedBuffer<float> padded, tile;
    padded.reserve(s.cin * hp * wp);
    tile.reserve(static_cast<int64_t>(mr) * nr);
    int64_t paddedItem = -1;
    for (int64_t r = begin; r < end; ++r) {
      const int64_t n = r / ho, oy = r % ho;
      if (n != paddedItem) {  // the zero-padded copy of item n
        float* p = padded.data();
        std::fill(p, p + s.cin * hp * wp, 0.f);
        for (int64_t c = 0; c < s.cin; ++c)
          for (int64_t iy = 0; iy < s.h; ++iy) {
            const float* src = x + ((n * s.cin + c) * s.h + iy) * s.w;
            std::copy(src, src + s.w, p + (c * hp + iy + s.pt) * wp + s.pl);
          }
        paddedItem = n;
      }
      // A micro-tile covers NR columns of one output row, or one vector of each of the rows oy,
      // oy + 1 when the rows are one vector wide (their outputs are consecutive in y).
      if (rowPairs && oy % 2 == 1) continue;
      for (int64_t ox = 0; ox < wo; ox += nr) {
        const float* b = padded.data() + oy * s.sh * wp + ox;
        for (int64_t k0 = 0; k0 < taps; k0 += kBlockDepth) {
          const int64_t kc = std::min(kBlockDepth, taps - k0);
          const float* block = packed.data() + k0 * rows;
          for (int64_t i = 0; i < m; i += mr) {
            float* c = y + (n * m + i) * plane + oy * wo + ox;
            const float* a = block + (i / mr) * kc * mr;
            const float* biasRows = bias && k0 == 0 ? rowBias.data() + i : nullptr;
            if (i + mr <= m) {
              kernel.runIndirect(kc, a, b, tapOffset.data() + k0, bStep, c, plane, k0 > 0, biasRows);
              continue;
            }
            // The last rows: a scratch tile, then the rows C has.
            kernel.runIndirect(kc, a, b, tapOffset.data() + k0, bStep, tile.data(), nr, false, biasRows);
            for (int64_t ii = 0; ii < m - i; ++ii)
              for (int jj = 0; jj < nr; ++jj) c[ii * plane + jj] = (k0 > 0 ? c[ii * plane + jj] : 0.f) + tile.data()[ii * nr + jj];
          }
        }
      }
    }
  });
  countExecutedMacs(s.n * ho * wo * rows * taps);
}

}  // namespace

namespace {

// Output rows that micro-tiles cover whole: NR wide or a multiple of it, or one vector wide in
// pairs of rows (NR = 2 vectors) of an even number of rows.
bool tilesCover(int64_t ho, int64_t wo) {
  const MicroKernel& k = gemm_detail::activeMicroKernel();
  return wo % k.nr == 0 || (wo == k.vectorWidth && k.nr == 2 * k.vectorWidth && ho % 2 == 0);
}

}  // namespace

bool implicitConv2dForwardApplies(const Conv2dShape& s) { return s.groups == 1 && s.sw == 1 && tilesCover(s.ho(), s.wo()); }

bool implicitConv2dBackwardInputApplies(const Conv2dShape& s) {
  // The transposed convolution as a forward one needs unit strides and padding within the kernel's reach.
  const int64_t reachY = (s.kh - 1) * s.dh, reachX = (s.kw - 1) * s.dw;
  return s.groups == 1 && s.sh == 1 && s.sw == 1 && s.pt <= reachY && s.pb <= reachY && s.pl <= reachX && s.pr <= reachX &&
         tilesCover(s.h, s.w);
}

void implicitConv2dForward(ThreadPool& pool, const Conv2dShape& s, const float* x, const float* w, const float* b, float* y) {
  const std::vector<float> packed = packWeights(w, s.cout, s.cin * s.kh * s.kw, gemm_detail::activeMicroKernel().mr);
  implicitGemm(pool, s, x, packed, s.bias ? b : nullptr, y);
}

void implicitConv2dBackwardInput(ThreadPool& pool, const Conv2dShape& s, const float* dy, const float* w, float* dx) {
  // dx[ci][iy][ix] = sum over co, ky, kx of w[co][ci][ky][kx] * dy[co][iy + pt - ky dh][ix + pl - kx dw]:
  // a forward convolution of dy with w'[ci][co][ky'][kx'] = w[co][ci][KH-1-ky'][KW-1-kx'] and
  // padding (K-1) d - p on each side.
  Conv2dShape t;
  t.n = s.n, t.cin = s.cout, t.h = s.ho(), t.w = s.wo(), t.cout = s.cin, t.kh = s.kh, t.kw = s.kw;
  t.dh = s.dh, t.dw = s.dw, t.bias = false;
  t.pt = (s.kh - 1) * s.dh - s.pt, t.pb = (s.kh - 1) * s.dh - s.pb;
  t.pl = (s.kw - 1) * s.dw - s.pl, t.pr = (s.kw - 1) * s.dw - s.pr;
  const int64_t taps = s.kh * s.kw;
  std::vector<float> flipped(s.cin * s.cout * taps);
  for (int64_t co = 0; co < s.cout; ++co)
    for (int64_t ci = 0; ci < s.cin; ++ci)
      for (int64_t k = 0; k < taps; ++k) flipped[(ci * s.cout + co) * taps + (taps - 1 - k)] = w[(co * s.cin + ci) * taps + k];
  const std::vector<float> packed = packWeights(flipped.data(), t.cout, t.cin * taps, gemm_detail::activeMicroKernel().mr);
  implicitGemm(pool, t, dy, packed, nullptr, dx);
}

}  // namespace sj
