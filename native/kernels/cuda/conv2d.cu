#include "kernels/conv2d.h"

#include "cuda/launch.h"
#include "kernels/cuda/bias_sums.h"
#include "kernels/cuda/block_reduce.h"
#include "kernels/cuda/elementwise.h"
#include "kernels/cuda/gemm_tile.cuh"

namespace sj::cuda {
namespace {

using gemm::Contiguous;
using gemm::Digits3;
using gemm::kMaxPerThread;
using gemm::kTileK;
using gemm::ThreadMap;

// The geometry every patch loader needs (x [N][Cin][H][W], y [N][Cout][Ho][Wo], kernel KH x KW;
// pt, pl the top and left padding). A loader of one group reads pointers offset to the group's
// first channel; cin and cout stay the images' channel counts, their strides.
struct Geometry {
  int cin = 0, cout = 0, h = 0, w = 0, ho = 0, wo = 0;
  int kh = 1, kw = 1, sh = 1, sw = 1, pt = 0, pl = 0, dh = 1, dw = 1;
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
  g.pt = static_cast<int>(s.pt), g.pl = static_cast<int>(s.pl);
  g.dh = static_cast<int>(s.dh), g.dw = static_cast<int>(s.dw);
  return g;
}

// B of the forward pass, the im2col matrix of x (K = Cin/G*KH*KW, N = N*Ho*Wo):
//   B(k = (ci, ky, kx), n = (b, oy, ox)) = x[b][ci][oy*sh - pt + ky*dh][ox*sw - pl + kx*dw], 0 on padding.
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
    iy0_ = n < columns ? pixel.y * g.sh - g.pt : kOutside;
    ix0_ = pixel.x * g.sw - g.pl;
    k_ = kBegin + Map::k(thread);
    tap_.set(k_, g.kh, g.kw);
  }
  template <int Extent, class Put>
  __device__ __forceinline__ void fetch(int kEnd, const Put& put) {
    using Map = ThreadMap<kContiguous, Extent>;
    Digits3 t = tap_;
#pragma unroll
    for (int j = 0; j < Map::kPerThread; ++j) {
      const int iy = iy0_ + t.y * g.dh, ix = ix0_ + t.x * g.dw;
      const bool ok = k_ + j < kEnd && static_cast<unsigned>(iy) < static_cast<unsigned>(g.h) &&
                      static_cast<unsigned>(ix) < static_cast<unsigned>(g.w);
      put.element(j, x + (ok ? base_ + (t.c * g.h + iy) * g.w + ix : 0), ok);
      t.increment(g.kh, g.kw);
    }
    k_ += kTileK;
    tap_.add(step, g.kh, g.kw);
  }
};

// B of the input-gradient pass, the transposed im2col matrix of dy (K = Cout/G*KH*KW, N = N*H*W):
//   B(k = (co, ky, kx), n = (b, iy, ix)) = dy[b][co][oy][ox] where oy*sh - pt + ky*dh = iy and
//   ox*sw - pl + kx*dw = ix, 0 where no such output pixel exists (padding, stride gaps).
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
    y0_ = n < columns ? pixel.y + g.pt : kOutside;
    x0_ = pixel.x + g.pl;
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
      const int yy = y0_ - t.y * g.dh, xx = x0_ - t.x * g.dw;  // oy*sh and ox*sw, if those exist
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

// B of the weight-gradient pass, the im2col matrix of x transposed (K = N*Ho*Wo, N = Cin/G*KH*KW):
//   B(k = (b, oy, ox), n = (ci, ky, kx)) = x[b][ci][oy*sh - pt + ky*dh][ox*sw - pl + kx*dw], 0 on padding.
// AlongK: a thread keeps one output pixel per k-tile (a digit cursor, advanced by 8 pixels) and
// the taps of its columns, decomposed once; a warp reads 8 neighbouring pixels of 4 taps.
struct PatchRows {
  static constexpr Contiguous kContiguous = Contiguous::K;
  static constexpr bool kAsync = true;
  const float* x = nullptr;
  Geometry g;
  int columns = 0, pixels = 0;  // N = Cin*KH*KW, K = N*Ho*Wo
  Digits3 step;                 // kTileK pixels as digits: set by prepare()

  // Column j of this thread: its offset (ci*H + ky*dh)*W + kx*dw and its tap's offsets,
  // ky*dh << 16 | kx*dw (dilated kernels span less than 2^15, requireIndexable): 2 registers a
  // column, for the 8 x 8 register tile's sake.
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
      tapOffset_[j] = (tap.c * g.h + tap.y * g.dh) * g.w + tap.x * g.dw;
      tapYX_[j] = tap.y * g.dh << 16 | tap.x * g.dw;
      if (n < columns) inside_ |= 1u << j;
    }
    pixel_.set(kBegin + Map::k(thread), g.ho, g.wo);
  }
  template <int Extent, class Put>
  __device__ __forceinline__ void fetch(int kEnd, const Put& put) {
    using Map = ThreadMap<kContiguous, Extent>;
    const bool kInside = (pixel_.c * g.ho + pixel_.y) * g.wo + pixel_.x < kEnd;
    const int iy0 = pixel_.y * g.sh - g.pt, ix0 = pixel_.x * g.sw - g.pl;
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
  if ((s.kh - 1) * s.dh >= (1 << 15) || (s.kw - 1) * s.dw >= (1 << 15)) {
    fail(ErrorCode::Shape, kernel, " (CUDA): kernel ", s.kh, "x", s.kw, " dilated ", s.dh, "x", s.dw, " is too large");
  }
  gemm::requireIndexable(kernel, "the input", s.inputSize());
  gemm::requireIndexable(kernel, "the output", s.outputSize());
  gemm::requireIndexable(kernel, "the weight", s.weightSize());
}

// ---- depthwise (groups = Cin > 1, channel multiplier M = Cout/Cin) ----------------------------
// Direct kernels: a GEMM per group would be one row of taps deep. Each skips padding taps, as the
// CPU's direct loops do, and reads the weights through the read-only cache. Indices are 32-bit
// (requireIndexable holds every tensor under 2^31 elements).

struct DepthwiseGeometry {
  int cin = 0, cout = 0, mult = 1, h = 0, w = 0, ho = 0, wo = 0;
  int kh = 1, kw = 1, sh = 1, sw = 1, pt = 0, pl = 0, dh = 1, dw = 1;
};

DepthwiseGeometry depthwiseGeometryOf(const Conv2dShape& s) {
  const Geometry g = geometryOf(s);
  return {g.cin, g.cout, static_cast<int>(s.coutPerGroup()), g.h, g.w, g.ho, g.wo, g.kh, g.kw, g.sh, g.sw, g.pt, g.pl, g.dh, g.dw};
}

// y[b][co][oy][ox] = bias[co] + sum over the inside taps of w[co][ky][kx] * x[b][co / M][iy][ix];
// one thread per output, a warp on 32 neighbouring outputs of a row.
__global__ void depthwiseForwardKernel(DepthwiseGeometry g, unsigned outputs, const float* __restrict__ x, const float* __restrict__ w,
                                       const float* __restrict__ b, float* __restrict__ y) {
  for (unsigned o = static_cast<unsigned>(gridStrideStart()); o < outputs; o += static_cast<unsigned>(gridStrideStep())) {
    const int ox = static_cast<int>(o % g.wo), row = static_cast<int>(o / g.wo), oy = row % g.ho, plane = row / g.ho;
    const int co = plane % g.cout, batch = plane / g.cout;
    const float* in = x + (batch * g.cin + co / g.mult) * g.h * g.w;
    const float* k = w + co * g.kh * g.kw;
    float acc = 0.f;
    for (int ky = 0; ky < g.kh; ++ky) {
      const int iy = oy * g.sh - g.pt + ky * g.dh;
      if (static_cast<unsigned>(iy) >= static_cast<unsigned>(g.h)) continue;
      for (int kx = 0; kx < g.kw; ++kx) {
        const int ix = ox * g.sw - g.pl + kx * g.dw;
        if (static_cast<unsigned>(ix) < static_cast<unsigned>(g.w)) acc = fmaf(in[iy * g.w + ix], __ldg(k + ky * g.kw + kx), acc);
      }
    }
    y[o] = b ? acc + __ldg(b + co) : acc;
  }
}

// dx[b][ci][iy][ix] = sum over co of ci's M channels and the taps that read (iy, ix) of
// w[co][ky][kx] * dy[b][co][oy][ox]: a gather, one thread per input element, no atomics.
__global__ void depthwiseBackwardInputKernel(DepthwiseGeometry g, unsigned inputs, const float* __restrict__ dy, const float* __restrict__ w,
                                             float* __restrict__ dx) {
  for (unsigned e = static_cast<unsigned>(gridStrideStart()); e < inputs; e += static_cast<unsigned>(gridStrideStep())) {
    const int ix = static_cast<int>(e % g.w), row = static_cast<int>(e / g.w), iy = row % g.h, plane = row / g.h;
    const int ci = plane % g.cin, batch = plane / g.cin;
    float acc = 0.f;
    for (int co = ci * g.mult; co < (ci + 1) * g.mult; ++co) {
      const float* grad = dy + (batch * g.cout + co) * g.ho * g.wo;
      const float* k = w + co * g.kh * g.kw;
      for (int ky = 0; ky < g.kh; ++ky) {
        const int ty = iy + g.pt - ky * g.dh;  // oy * sh, if that output row exists
        const int oy = ty / g.sh;
        if (ty < 0 || oy * g.sh != ty || oy >= g.ho) continue;
        for (int kx = 0; kx < g.kw; ++kx) {
          const int tx = ix + g.pl - kx * g.dw;
          const int ox = tx / g.sw;
          if (tx >= 0 && ox * g.sw == tx && ox < g.wo) acc = fmaf(grad[oy * g.wo + ox], __ldg(k + ky * g.kw + kx), acc);
        }
      }
    }
    dx[e] = acc;
  }
}

constexpr int kWeightThreads = 256;

// dw[co][ky][kx] = sum over b, oy, ox of dy[b][co][oy][ox] * x[b][co / M][iy][ix]: one block per
// weight element; each thread sums a fixed stride of the batch's output pixels, then a fixed tree
// (blockSum), so the bits do not change from run to run.
__global__ void depthwiseBackwardWeightKernel(DepthwiseGeometry g, int batch, const float* __restrict__ dy, const float* __restrict__ x,
                                              float* __restrict__ dw) {
  const int e = static_cast<int>(blockIdx.x), taps = g.kh * g.kw;
  const int co = e / taps, ky = e % taps / g.kw, kx = e % g.kw;
  const int plane = g.ho * g.wo, pixels = batch * plane;
  float acc = 0.f;
  for (int p = static_cast<int>(threadIdx.x); p < pixels; p += kWeightThreads) {
    const int b = p / plane, oy = p % plane / g.wo, ox = p % g.wo;
    const int iy = oy * g.sh - g.pt + ky * g.dh, ix = ox * g.sw - g.pl + kx * g.dw;
    if (static_cast<unsigned>(iy) < static_cast<unsigned>(g.h) && static_cast<unsigned>(ix) < static_cast<unsigned>(g.w)) {
      acc = fmaf(dy[(b * g.cout + co) * plane + oy * g.wo + ox], x[((b * g.cin + co / g.mult) * g.h + iy) * g.w + ix], acc);
    }
  }
  acc = blockSum(acc);
  if (threadIdx.x == 0) dw[e] = acc;
}

}  // namespace

// Per group g: y_g (Cout/G x N*Ho*Wo) = w_g (Cout/G x Cin/G*KH*KW) . patches(x_g) (Cin/G*KH*KW x N*Ho*Wo),
// + b_g, scattered to NCHW (the store's row stride stays Cout, so group g lands in its channels).
void conv2dForward(CudaStream stream, const Conv2dShape& s, const float* x, const float* w, const float* b, float* y) {
  requireIndexable("conv2dForward", s);
  if (s.depthwise()) {
    const int64_t outputs = s.outputSize();
    launch("conv2dForward (depthwise)", depthwiseForwardKernel, elementwiseGrid(outputs), dim3(kElementwiseThreads), 0, stream,
           depthwiseGeometryOf(s), static_cast<unsigned>(outputs), x, w, s.bias ? b : nullptr, y);
    return;
  }
  const int64_t taps = s.cinPerGroup() * s.kh * s.kw, plane = s.ho() * s.wo(), columns = s.n * plane, og = s.coutPerGroup();
  for (int64_t group = 0; group < s.groups; ++group) {
    gemm::RowsAlongK<> weights;
    weights.data = w + group * og * taps;
    weights.extentI = static_cast<int>(og), weights.extentK = static_cast<int>(taps);
    weights.iStride = static_cast<int>(taps), weights.kPlane = static_cast<int>(taps);
    PatchColumns patches;
    patches.x = x + group * s.cinPerGroup() * s.h * s.w, patches.g = geometryOf(s), patches.columns = static_cast<int>(columns);
    patches.taps = static_cast<int>(taps);
    gemm::PlanarStore out;
    out.out = y + group * og * plane, out.rowBias = s.bias ? b + group * og : nullptr, out.rows = static_cast<int>(s.cout);
    out.plane = static_cast<int>(plane);
    out.vector = plane % 4 == 0 && gemm::aligned16(out.out);
    gemm::run("conv2dForward", stream, og, columns, taps, weights, patches, out);
  }
}

// Per group g: dx_g (Cin/G x N*H*W) = w_g' (Cin/G x Cout/G*KH*KW) . patches'(dy_g) (Cout/G*KH*KW x N*H*W),
// where w_g'(ci, (co, t)) = w[g*Cout/G + co][ci][t]: the GEMM of the CPU kernel, over every input pixel and tap.
void conv2dBackwardInput(CudaStream stream, const Conv2dShape& s, const float* dy, const float* w, float* dx) {
  requireIndexable("conv2dBackwardInput", s);
  if (s.depthwise()) {
    const int64_t inputs = s.inputSize();
    launch("conv2dBackwardInput (depthwise)", depthwiseBackwardInputKernel, elementwiseGrid(inputs), dim3(kElementwiseThreads), 0, stream,
           depthwiseGeometryOf(s), static_cast<unsigned>(inputs), dy, w, dx);
    return;
  }
  const int64_t taps = s.kh * s.kw, plane = s.h * s.w, columns = s.n * plane, cg = s.cinPerGroup(), og = s.coutPerGroup();
  for (int64_t group = 0; group < s.groups; ++group) {
    gemm::RowsAlongK<> weights;  // w'(ci, k = (co, t)) at w[((g*Cout/G + co)*Cin/G + ci)*taps + t]
    weights.data = w + group * og * cg * taps;
    weights.extentI = static_cast<int>(cg), weights.extentK = static_cast<int>(og * taps);
    weights.iStride = static_cast<int>(taps), weights.kPlane = static_cast<int>(taps), weights.kBatchStride = static_cast<int>(cg * taps);
    TransposedPatchColumns patches;
    patches.dy = dy + group * og * s.ho() * s.wo(), patches.g = geometryOf(s), patches.columns = static_cast<int>(columns);
    patches.taps = static_cast<int>(og * taps);
    gemm::PlanarStore out;
    out.out = dx + group * cg * plane, out.rows = static_cast<int>(s.cin), out.plane = static_cast<int>(plane);
    out.vector = plane % 4 == 0 && gemm::aligned16(out.out);
    gemm::run("conv2dBackwardInput", stream, cg, columns, og * taps, weights, patches, out);
  }
}

// Per group g: dw_g (Cout/G x Cin/G*KH*KW) = dy_g (Cout/G x N*Ho*Wo) . patches(x_g)^T (N*Ho*Wo x Cin/G*KH*KW);
// K is the batch's pixels, so the GEMM splits K (gemm_tile.cuh) when the weight has few tiles.
void conv2dBackwardWeight(CudaStream stream, const Conv2dShape& s, const float* dy, const float* x, float* dw) {
  requireIndexable("conv2dBackwardWeight", s);
  if (s.depthwise()) {
    launch("conv2dBackwardWeight (depthwise)", depthwiseBackwardWeightKernel, dim3(static_cast<unsigned>(s.weightSize())),
           dim3(kWeightThreads), 0, stream, depthwiseGeometryOf(s), static_cast<int>(s.n), dy, x, dw);
    return;
  }
  const int64_t taps = s.cinPerGroup() * s.kh * s.kw, plane = s.ho() * s.wo(), pixels = s.n * plane, og = s.coutPerGroup();
  for (int64_t group = 0; group < s.groups; ++group) {
    gemm::RowsAlongK<> grads;  // dy(co, k = (b, p)) at dy[(b*Cout + g*Cout/G + co)*plane + p]
    grads.data = dy + group * og * plane;
    grads.extentI = static_cast<int>(og), grads.extentK = static_cast<int>(pixels);
    grads.iStride = static_cast<int>(plane), grads.kPlane = static_cast<int>(plane), grads.kBatchStride = static_cast<int>(s.cout * plane);
    PatchRows patches;
    patches.x = x + group * s.cinPerGroup() * s.h * s.w, patches.g = geometryOf(s), patches.columns = static_cast<int>(taps);
    patches.pixels = static_cast<int>(pixels);
    gemm::RowMajorStore out;
    out.out = dw + group * og * taps, out.ldc = static_cast<int>(taps);
    gemm::run("conv2dBackwardWeight", stream, og, taps, pixels, grads, patches, out);
  }
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
