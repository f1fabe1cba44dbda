#include "kernels/conv2d.h"

#include "kernels/cuda/bias_sums.h"
#include "kernels/cuda/gemm_tile.cuh"

namespace sj::cuda {
namespace {

using gemm::Contiguous;
using gemm::Digits3;
using gemm::kMaxPerThread;
using gemm::kTileK;
using gemm::ThreadMap;

// The geometry every patch loader needs (x [N][Cin][H][W], y [N][Cout][Ho][Wo], kernel KH x KW).
struct Geometry {
  int cin = 0, cout = 0, h = 0, w = 0, ho = 0, wo = 0;
  int kh = 1, kw = 1, sh = 1, sw = 1, ph = 0, pw = 0;
};

// A row offset below any tap's reach: the loaders mark a column past the end of B with it, so that
// its bounds checks fail for every tap without a flag of their own (a register saved).
constexpr int kOutside = -(1 << 29);

Geometry geometryOf(const Conv2dShape& s) {
  Geometry g;
  g.cin = static_cast<int>(s.cin), g.cout = static_cast<int>(s.cout);
  g.h = static_cast<int>(s.h), g.w = static_cast<int>(s.w);
  g.ho = static_cast<int>(s.ho()), g.wo = static_cast<int>(s.wo());
  g.kh = static_cast<int>(s.kh), g.kw = static_cast<int>(s.kw);
  g.sh = static_cast<int>(s.sh), g.sw = static_cast<int>(s.sw);
  g.ph = static_cast<int>(s.ph), g.pw = static_cast<int>(s.pw);
  return g;
}

// B of the forward pass, the im2col matrix of x (K = Cin*KH*KW, N = N*Ho*Wo):
//   B(k = (ci, ky, kx), n = (b, oy, ox)) = x[b][ci][oy*sh - ph + ky][ox*sw - pw + kx], 0 on padding.
// AlongI: a thread keeps one output pixel (its column, decomposed once) and walks 4 consecutive
// taps per k-tile with a digit cursor; a warp reads 32 neighbouring output pixels of one tap.
struct PatchColumns {
  static constexpr Contiguous kContiguous = Contiguous::I;
  static constexpr bool kAsync = true;
  const float* x = nullptr;
  Geometry g;
  int columns = 0, taps = 0;  // N, K

  Digits3 step;  // kTileK taps as digits: set by prepare()

  int base_ = 0, iy0_ = 0, ix0_ = 0, k_ = 0;  // iy0_ = kOutside: a column past N, every tap reads 0
  Digits3 tap_;

  void prepare() { step.set(kTileK, g.kh, g.kw); }

  template <int Extent>
  __device__ __forceinline__ void begin(int i0, int kBegin, int thread) {
    using Map = ThreadMap<kContiguous, Extent>;
    const int n = i0 + Map::i(thread);
    Digits3 pixel;
    pixel.set(n, g.ho, g.wo);
    base_ = pixel.c * g.cin * g.h * g.w;
    iy0_ = n < columns ? pixel.y * g.sh - g.ph : kOutside;
    ix0_ = pixel.x * g.sw - g.pw;
    k_ = kBegin + Map::k(thread);
    tap_.set(k_, g.kh, g.kw);
  }
  template <int Extent, class Put>
  __device__ __forceinline__ void fetch(int kEnd, const Put& put) {
    using Map = ThreadMap<kContiguous, Extent>;
    Digits3 t = tap_;
#pragma unroll
    for (int j = 0; j < Map::kPerThread; ++j) {
      const int iy = iy0_ + t.y, ix = ix0_ + t.x;
      const bool ok = k_ + j < kEnd && static_cast<unsigned>(iy) < static_cast<unsigned>(g.h) &&
                      static_cast<unsigned>(ix) < static_cast<unsigned>(g.w);
      put.element(j, x + (ok ? base_ + (t.c * g.h + iy) * g.w + ix : 0), ok);
      t.increment(g.kh, g.kw);
    }
    k_ += kTileK;
    tap_.add(step, g.kh, g.kw);
  }
};

// B of the input-gradient pass, the transposed im2col matrix of dy (K = Cout*KH*KW, N = N*H*W):
//   B(k = (co, ky, kx), n = (b, iy, ix)) = dy[b][co][oy][ox] where oy*sh - ph + ky = iy and
//   ox*sw - pw + kx = ix, 0 where no such output pixel exists (padding, stride gaps).
// AlongI, like PatchColumns: a thread keeps one input pixel and walks the taps.
struct TransposedPatchColumns {
  static constexpr Contiguous kContiguous = Contiguous::I;
  static constexpr bool kAsync = true;
  const float* dy = nullptr;
  Geometry g;
  int columns = 0, taps = 0;

  Digits3 step;  // kTileK taps as digits: set by prepare()

  int base_ = 0, y0_ = 0, x0_ = 0, k_ = 0;  // y0_ = kOutside: a column past N, every tap reads 0
  Digits3 tap_;

  void prepare() { step.set(kTileK, g.kh, g.kw); }

  template <int Extent>
  __device__ __forceinline__ void begin(int i0, int kBegin, int thread) {
    using Map = ThreadMap<kContiguous, Extent>;
    const int n = i0 + Map::i(thread);
    Digits3 pixel;
    pixel.set(n, g.h, g.w);
    base_ = pixel.c * g.cout * g.ho * g.wo;
    y0_ = n < columns ? pixel.y + g.ph : kOutside;
    x0_ = pixel.x + g.pw;
    k_ = kBegin + Map::k(thread);
    tap_.set(k_, g.kh, g.kw);
  }
  template <int Extent, class Put>
  __device__ __forceinline__ void fetch(int kEnd, const Put& put) {
    using Map = ThreadMap<kContiguous, Extent>;
    Digits3 t = tap_;
    const bool unitStride = g.sh == 1 && g.sw == 1;  // the study's convolutions: no division
#pragma unroll
    for (int j = 0; j < Map::kPerThread; ++j) {
      const int yy = y0_ - t.y, xx = x0_ - t.x;  // oy*sh and ox*sw, if those exist
      int oy = yy, ox = xx;
      bool ok = k_ + j < kEnd && yy >= 0 && xx >= 0;
      if (!unitStride) {
        oy = static_cast<int>(static_cast<unsigned>(yy) / static_cast<unsigned>(g.sh));
        ox = static_cast<int>(static_cast<unsigned>(xx) / static_cast<unsigned>(g.sw));
        ok = ok && oy * g.sh == yy && ox * g.sw == xx;
      }
      ok = ok && oy < g.ho && ox < g.wo;
      put.element(j, dy + (ok ? base_ + (t.c * g.ho + oy) * g.wo + ox : 0), ok);
      t.increment(g.kh, g.kw);
    }
    k_ += kTileK;
    tap_.add(step, g.kh, g.kw);
  }
};

// B of the weight-gradient pass, the im2col matrix of x transposed (K = N*Ho*Wo, N = Cin*KH*KW):
//   B(k = (b, oy, ox), n = (ci, ky, kx)) = x[b][ci][oy*sh - ph + ky][ox*sw - pw + kx], 0 on padding.
// AlongK: a thread keeps one output pixel per k-tile (a digit cursor, advanced by 8 pixels) and
// the taps of its columns, decomposed once; a warp reads 8 neighbouring pixels of 4 taps.
struct PatchRows {
  static constexpr Contiguous kContiguous = Contiguous::K;
  static constexpr bool kAsync = true;
  const float* x = nullptr;
  Geometry g;
  int columns = 0, pixels = 0;  // N = Cin*KH*KW, K = N*Ho*Wo
  Digits3 step;                 // kTileK pixels as digits: set by prepare()

  // Column j of this thread: its offset (ci*H + ky)*W + kx and its tap, ky << 16 | kx (kernels are
  // far smaller than 2^15): 2 registers a column, for the 8 x 8 register tile's sake.
  int tapOffset_[kMaxPerThread] = {}, tapYX_[kMaxPerThread] = {};
  unsigned inside_ = 0;  // bit j: column j is inside B
  Digits3 pixel_;        // this thread's pixel in the next k-tile

  void prepare() { step.set(kTileK, g.ho, g.wo); }

  template <int Extent>
  __device__ __forceinline__ void begin(int i0, int kBegin, int thread) {
    using Map = ThreadMap<kContiguous, Extent>;
#pragma unroll
    for (int j = 0; j < Map::kPerThread; ++j) {
      const int n = i0 + Map::i(thread, j);
      Digits3 tap;
      tap.set(n, g.kh, g.kw);
      tapOffset_[j] = (tap.c * g.h + tap.y) * g.w + tap.x;
      tapYX_[j] = tap.y << 16 | tap.x;
      if (n < columns) inside_ |= 1u << j;
    }
    pixel_.set(kBegin + Map::k(thread), g.ho, g.wo);
  }
  template <int Extent, class Put>
  __device__ __forceinline__ void fetch(int kEnd, const Put& put) {
    using Map = ThreadMap<kContiguous, Extent>;
    const bool kInside = (pixel_.c * g.ho + pixel_.y) * g.wo + pixel_.x < kEnd;
    const int iy0 = pixel_.y * g.sh - g.ph, ix0 = pixel_.x * g.sw - g.pw;
    const int base = pixel_.c * g.cin * g.h * g.w + iy0 * g.w + ix0;
#pragma unroll
    for (int j = 0; j < Map::kPerThread; ++j) {
      const int iy = iy0 + (tapYX_[j] >> 16), ix = ix0 + (tapYX_[j] & 0xffff);
      const bool ok = kInside && (inside_ >> j & 1u) && static_cast<unsigned>(iy) < static_cast<unsigned>(g.h) &&
                      static_cast<unsigned>(ix) < static_cast<unsigned>(g.w);
      put.element(j, x + (ok ? base + tapOffset_[j] : 0), ok);
    }
    pixel_.add(step, g.ho, g.wo);
  }
};

void requireIndexable(const char* kernel, const Conv2dShape& s) {
  if (s.kh >= (1 << 15) || s.kw >= (1 << 15)) fail(ErrorCode::Shape, kernel, " (CUDA): kernel ", s.kh, "x", s.kw, " is too large");
  gemm::requireIndexable(kernel, "the input", s.inputSize());
  gemm::requireIndexable(kernel, "the output", s.outputSize());
  gemm::requireIndexable(kernel, "the weight", s.weightSize());
}

}  // namespace

// y (Cout x N*Ho*Wo) = w (Cout x Cin*KH*KW) . patches(x) (Cin*KH*KW x N*Ho*Wo), + b, scattered to NCHW.
void conv2dForward(CudaStream stream, const Conv2dShape& s, const float* x, const float* w, const float* b, float* y) {
  requireIndexable("conv2dForward", s);
  const int64_t taps = s.cin * s.kh * s.kw, plane = s.ho() * s.wo(), columns = s.n * plane;
  gemm::RowsAlongK<> weights;
  weights.data = w;
  weights.extentI = static_cast<int>(s.cout), weights.extentK = static_cast<int>(taps);
  weights.iStride = static_cast<int>(taps), weights.kPlane = static_cast<int>(taps);
  PatchColumns patches;
  patches.x = x, patches.g = geometryOf(s), patches.columns = static_cast<int>(columns), patches.taps = static_cast<int>(taps);
  gemm::PlanarStore out;
  out.out = y, out.rowBias = s.bias ? b : nullptr, out.rows = static_cast<int>(s.cout), out.plane = static_cast<int>(plane);
  out.vector = plane % 4 == 0 && gemm::aligned16(y);
  gemm::run("conv2dForward", stream, s.cout, columns, taps, weights, patches, out);
}

// dx (Cin x N*H*W) = w' (Cin x Cout*KH*KW) . patches'(dy) (Cout*KH*KW x N*H*W), where
// w'(ci, (co, t)) = w[co][ci][t]: the GEMM of the CPU kernel, over every input pixel and tap.
void conv2dBackwardInput(CudaStream stream, const Conv2dShape& s, const float* dy, const float* w, float* dx) {
  requireIndexable("conv2dBackwardInput", s);
  const int64_t taps = s.kh * s.kw, plane = s.h * s.w, columns = s.n * plane;
  gemm::RowsAlongK<> weights;  // w'(ci, k = (co, t)) at w[(co*Cin + ci)*taps + t]
  weights.data = w;
  weights.extentI = static_cast<int>(s.cin), weights.extentK = static_cast<int>(s.cout * taps);
  weights.iStride = static_cast<int>(taps), weights.kPlane = static_cast<int>(taps), weights.kBatchStride = static_cast<int>(s.cin * taps);
  TransposedPatchColumns patches;
  patches.dy = dy, patches.g = geometryOf(s), patches.columns = static_cast<int>(columns), patches.taps = static_cast<int>(s.cout * taps);
  gemm::PlanarStore out;
  out.out = dx, out.rows = static_cast<int>(s.cin), out.plane = static_cast<int>(plane);
  out.vector = plane % 4 == 0 && gemm::aligned16(dx);
  gemm::run("conv2dBackwardInput", stream, s.cin, columns, s.cout * taps, weights, patches, out);
}

// dw (Cout x Cin*KH*KW) = dy (Cout x N*Ho*Wo) . patches(x)^T (N*Ho*Wo x Cin*KH*KW); K is the
// batch's pixels, so the GEMM splits K (gemm_tile.cuh) when the weight has few tiles.
void conv2dBackwardWeight(CudaStream stream, const Conv2dShape& s, const float* dy, const float* x, float* dw) {
  requireIndexable("conv2dBackwardWeight", s);
  const int64_t taps = s.cin * s.kh * s.kw, plane = s.ho() * s.wo(), pixels = s.n * plane;
  gemm::RowsAlongK<> grads;  // dy(co, k = (b, p)) at dy[(b*Cout + co)*plane + p]
  grads.data = dy;
  grads.extentI = static_cast<int>(s.cout), grads.extentK = static_cast<int>(pixels);
  grads.iStride = static_cast<int>(plane), grads.kPlane = static_cast<int>(plane), grads.kBatchStride = static_cast<int>(s.cout * plane);
  PatchRows patches;
  patches.x = x, patches.g = geometryOf(s), patches.columns = static_cast<int>(taps), patches.pixels = static_cast<int>(pixels);
  gemm::RowMajorStore out;
  out.out = dw, out.ldc = static_cast<int>(taps);
  gemm::run("conv2dBackwardWeight", stream, s.cout, taps, pixels, grads, patches, out);
}

// db[co] = sum over b of (sum over the plane of dy[b][co]): plane sums into [N][Cout], then columns.
void conv2dBackwardBias(CudaStream stream, const Conv2dShape& s, const float* dy, float* db) {
  requireIndexable("conv2dBackwardBias", s);
  const int64_t rows = s.n * s.cout;
  float* scratch = static_cast<float*>(workspace(stream, 4 * (rows + sums::columnSumsScratch(s.n, s.cout))));
  sums::planeSums("conv2dBackwardBias", stream, rows, s.ho() * s.wo(), dy, nullptr, scratch);
  sums::columnSums("conv2dBackwardBias", stream, s.n, s.cout, scratch, db, scratch + rows);
}

}  // namespace sj::cuda
