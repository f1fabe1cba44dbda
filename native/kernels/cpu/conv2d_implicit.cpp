#include "kernels/cpu/conv2d_implicit.h"

#include <algorithm>
#include <vector>

#include "core/aligned_buffer.h"
#include "core/cost.h"
#include "core/executed_macs.h"
#include "kernels/cpu/gemm_microkernel.h"

namespace sj {
namespace {

using gemm_detail::MicroKernel;

// Depth of one block of taps: the B rows of a micro-tile (depth x NR floats) stay in L1 while
// every panel of weights passes over them. 144 = 16 channels of a 3x3 kernel.
constexpr int64_t kBlockDepth = 144;

int64_t roundUp(int64_t v, int64_t unit) { return (v + unit - 1) / unit * unit; }

// Output rows that micro-tiles cover whole: NR wide or a multiple of it, or one vector wide in
// pairs of rows (NR = 2 vectors) of an even number of rows.
bool rowsCovered(int64_t ho, int64_t wo) {
  const MicroKernel& k = gemm_detail::activeMicroKernel();
  return wo % k.nr == 0 || (wo == k.vectorWidth && k.nr == 2 * k.vectorWidth && ho % 2 == 0);
}

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

// The weights and the taps of one implicit product: y (M = Cout channels) from B rows at
// tapOffset[t] (K = Cin * KH * KW taps), plus the bias (rowBias over the packed rows; empty: none),
// added as the first block of taps is stored: no second pass over y.
struct ImplicitProduct {
  const MicroKernel& kernel;
  const std::vector<float>& packed;
  int64_t m, rows, taps;
  std::vector<int64_t> tapOffset;
  std::vector<float> rowBias;

  // The tile of C at c (rows of `plane` floats) from the B rows at b, vectors bStep apart; only
  // the first `valid` columns are stored. tile: MR x NR scratch.
  void run(const float* b, int64_t bStep, float* c, int64_t plane, int64_t valid, float* tile) const {
    const int mr = kernel.mr, nr = kernel.nr;
    for (int64_t k0 = 0; k0 < taps; k0 += kBlockDepth) {
      const int64_t kc = std::min(kBlockDepth, taps - k0);
      const float* block = packed.data() + k0 * rows;
      for (int64_t i = 0; i < m; i += mr) {
        float* out = c + i * plane;
        const float* a = block + (i / mr) * kc * mr;
        const float* biasRows = !rowBias.empty() && k0 == 0 ? rowBias.data() + i : nullptr;
        if (i + mr <= m && valid == nr) {
          kernel.runIndirect(kc, a, b, tapOffset.data() + k0, bStep, out, plane, k0 > 0, biasRows);
          continue;
        }
        // The last rows or columns: a scratch tile, then what C has.
        kernel.runIndirect(kc, a, b, tapOffset.data() + k0, bStep, tile, nr, false, biasRows);
        for (int64_t ii = 0; ii < std::min<int64_t>(mr, m - i); ++ii)
          for (int64_t jj = 0; jj < valid; ++jj) out[ii * plane + jj] = (k0 > 0 ? out[ii * plane + jj] : 0.f) + tile[ii * nr + jj];
      }
    }
  }
};

ImplicitProduct productOf(const Conv2dShape& s, const std::vector<float>& packed, const float* bias) {
  const MicroKernel& kernel = gemm_detail::activeMicroKernel();
  ImplicitProduct p{kernel, packed, s.cout, roundUp(s.cout, kernel.mr), s.cin * s.kh * s.kw, {}, {}};
  p.tapOffset.resize(p.taps);
  if (bias) {
    p.rowBias.assign(p.rows, 0.f);
    std::copy(bias, bias + s.cout, p.rowBias.begin());
  }
  return p;
}

// Output rows a whole number of micro-tiles wide, or one vector wide in pairs: B is a zero-padded
// copy of each item, and tap (c, ky, kx) of output (oy, ox) reads padded[c][oy * sh + ky * dh][ox + kx * dw].
void implicitRows(ThreadPool& pool, const Conv2dShape& s, const float* x, ImplicitProduct& product, float* y) {
  const int nr = product.kernel.nr;
  const int64_t ho = s.ho(), wo = s.wo(), hp = s.h + s.pt + s.pb, wp = s.w + s.pl + s.pr, plane = ho * wo;
  for (int64_t t = 0; t < product.taps; ++t) {
    const int64_t c = t / (s.kh * s.kw), ky = (t / s.kw) % s.kh, kx = t % s.kw;
    product.tapOffset[t] = (c * hp + ky * s.dh) * wp + kx * s.dw;
  }
  const bool rowPairs = wo < nr;
  const int64_t bStep = rowPairs ? s.sh * wp : product.kernel.vectorWidth;
  pool.parallelFor(s.n * ho, 2, [&](int64_t begin, int64_t end) {
    thread_local AlignedBuffer<float> padded, tile;
    padded.reserve(s.cin * hp * wp);
    tile.reserve(static_cast<int64_t>(product.kernel.mr) * nr);
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
      for (int64_t ox = 0; ox < wo; ox += nr)
        product.run(padded.data() + oy * s.sh * wp + ox, bStep, y + n * s.cout * plane + oy * wo + ox, plane, nr, tile.data());
    }
  });
  countExecutedMacs(s.n * ho * wo * product.rows * product.taps);
}

// Unit strides, rows of any width: B is, per item and kernel column kx, the input shifted by kx
// with its rows packed back to back, shifted[kx][c][iy][ox] = padded[c][iy][ox + kx * dw]
// (iy over the padded rows). Tap (c, ky, kx) of flat output position p = oy * Wo + ox then reads
// shifted[kx][c][ky * dh * Wo + p]: consecutive positions read consecutive floats across rows, so
// a micro-tile covers NR consecutive positions whatever the width (the CRNN's last convolutions
// are 2 to 8 frequency bins wide).
void implicitFlat(ThreadPool& pool, const Conv2dShape& s, const float* x, ImplicitProduct& product, float* y) {
  const int nr = product.kernel.nr;
  const int64_t ho = s.ho(), wo = s.wo(), hp = s.h + s.pt + s.pb, plane = ho * wo;
  const int64_t shifted = s.kw * s.cin * hp * wo;  // floats of one item's copies
  for (int64_t t = 0; t < product.taps; ++t) {
    const int64_t c = t / (s.kh * s.kw), ky = (t / s.kw) % s.kh, kx = t % s.kw;
    product.tapOffset[t] = ((kx * s.cin + c) * hp + ky * s.dh) * wo;
  }
  const int64_t tiles = (plane + nr - 1) / nr;
  pool.parallelFor(s.n * tiles, 1, [&](int64_t begin, int64_t end) {
    thread_local AlignedBuffer<float> copies, tile;
    copies.reserve(shifted + nr);  // the last tile reads up to NR floats past the copies
    tile.reserve(static_cast<int64_t>(product.kernel.mr) * nr);
    int64_t copiedItem = -1;
    for (int64_t r = begin; r < end; ++r) {
      const int64_t n = r / tiles, p0 = r % tiles * nr;
      if (n != copiedItem) {
        float* out = copies.data();
        for (int64_t kx = 0; kx < s.kw; ++kx)
          for (int64_t c = 0; c < s.cin; ++c)
            for (int64_t iy = 0; iy < hp; ++iy, out += wo) {
              const int64_t sy = iy - s.pt;
              const float* src = x + ((n * s.cin + c) * s.h + sy) * s.w;
              for (int64_t ox = 0; ox < wo; ++ox) {
                const int64_t sx = ox + kx * s.dw - s.pl;
                out[ox] = sy >= 0 && sy < s.h && sx >= 0 && sx < s.w ? src[sx] : 0.f;
              }
            }
        std::fill(out, out + nr, 0.f);
        copiedItem = n;
      }
      product.run(copies.data() + p0, product.kernel.vectorWidth, y + n * s.cout * plane + p0, plane, std::min<int64_t>(nr, plane - p0),
                  tile.data());
    }
  });
  countExecutedMacs(s.n * tiles * nr * product.rows * product.taps);
}

// y = conv(x, packed weights) + bias, by the rows or the flat form.
void implicitGemm(ThreadPool& pool, const Conv2dShape& s, const float* x, const std::vector<float>& packed, const float* bias, float* y) {
  ImplicitProduct product = productOf(s, packed, bias);
  if (rowsCovered(s.ho(), s.wo()) && s.sw == 1) return implicitRows(pool, s, x, product, y);
  implicitFlat(pool, s, x, product, y);
}

}  // namespace

namespace {

// Every micro-tile passes over all the packed weights, so they must stay in a 1 MiB L2 (CNN14's
// 256 -> 512 channel layers and wider go back to the packed GEMM, whose blocks of A do).
constexpr int64_t kWeightBytes = 1 << 20;
bool weightsFit(const Conv2dShape& s) { return s.cout * s.cin * s.kh * s.kw * kFloatBytes <= kWeightBytes; }
// A 1 x 1 kernel's patches are the input itself: the packed GEMM packs them with plain copies
// over the whole batch, where the implicit form would pay for a partial tile per item.
bool spatialKernel(const Conv2dShape& s) { return s.kh * s.kw > 1; }

}  // namespace

bool implicitConv2dForwardApplies(const Conv2dShape& s) {
  return s.groups == 1 && s.sw == 1 && (rowsCovered(s.ho(), s.wo()) || s.sh == 1) && weightsFit(s) && spatialKernel(s);
}

bool implicitConv2dBackwardInputApplies(const Conv2dShape& s) {
  // The transposed convolution as a forward one needs unit strides and padding within the kernel's reach.
  const int64_t reachY = (s.kh - 1) * s.dh, reachX = (s.kw - 1) * s.dw;
  return s.groups == 1 && s.sh == 1 && s.sw == 1 && s.pt <= reachY && s.pb <= reachY && s.pl <= reachX && s.pr <= reachX && weightsFit(s) &&
         spatialKernel(s);
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
