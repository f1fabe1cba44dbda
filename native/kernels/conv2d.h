// 2-D convolution (cross-correlation, as in PyTorch and ONNX Conv), forward and backward, with
// groups, dilation and padding that may differ on each side.
//
//   x  [N][Cin][H][W]            input
//   w  [Cout][Cin/G][KH][KW]     weight; output channel co sees the Cin/G input channels of its
//                                group g = co / (Cout/G)
//   b  [Cout]                    bias (optional)
//   y  [N][Cout][Ho][Wo]         output, Ho = (H + PT + PB - DH*(KH-1) - 1) / SH + 1
//
// Tap (ky, kx) of output pixel (oy, ox) reads input pixel (oy*SH - PT + ky*DH, ox*SW - PL + kx*DW).
//
// Each pass has a plain reference loop (a template, run in float, double and on the counting
// scalar of the tests) and a fast version, and one cost formula. The reference skips taps that
// fall on padding, so `macs` counts useful work only. The fast kernel is an implicit im2col feeding
// the packed GEMM, once per group; it multiplies the padding zeros, reported as `paddingMacs`. A
// depthwise convolution (G = Cin > 1: one input channel per group, any channel multiplier
// Cout/Cin) has direct kernels instead, which skip padding like the reference: no paddingMacs.
#pragma once
#include <cstdint>
#include <string>

#include "core/cost.h"
#include "core/thread_pool.h"
#include "cuda/cuda_stream.h"
#include "kernels/scalar_math.h"

namespace sj {

struct Conv2dShape {
  int64_t n = 1, cin = 1, h = 1, w = 1;
  int64_t cout = 1, kh = 1, kw = 1;
  int64_t sh = 1, sw = 1;
  int64_t pt = 0, pl = 0, pb = 0, pr = 0;  // padding: top, left, bottom, right
  int64_t dh = 1, dw = 1;                  // dilation
  int64_t groups = 1;
  bool bias = true;

  int64_t ho() const { return (h + pt + pb - dh * (kh - 1) - 1) / sh + 1; }
  int64_t wo() const { return (w + pl + pr - dw * (kw - 1) - 1) / sw + 1; }
  int64_t cinPerGroup() const { return cin / groups; }
  int64_t coutPerGroup() const { return cout / groups; }
  // One input channel per group: the direct kernels' case (a group of one channel is not one).
  bool depthwise() const { return groups == cin && groups > 1; }
  int64_t inputSize() const { return n * cin * h * w; }
  int64_t weightSize() const { return cout * cinPerGroup() * kh * kw; }
  int64_t outputSize() const { return n * cout * ho() * wo(); }
  void validate() const;  // E_SHAPE naming the offending dimension
  std::string describe() const;
  // Number of (output position, kernel tap) pairs along one axis whose input index
  // o*s - p + j*d is inside the image: the padding-aware count of useful taps.
  static int64_t validTaps(int64_t in, int64_t out, int64_t k, int64_t s, int64_t p, int64_t d = 1);
};

Cost conv2dForwardCost(const Conv2dShape& s);
Cost conv2dBackwardInputCost(const Conv2dShape& s);
Cost conv2dBackwardWeightCost(const Conv2dShape& s);
Cost conv2dBackwardBiasCost(const Conv2dShape& s);

// ---- reference loops -------------------------------------------------------------------------

// y = conv(x, w) + b
template <class T>
void conv2dForwardReference(const Conv2dShape& s, const T* x, const T* w, const T* b, T* y) {
  const int64_t ho = s.ho(), wo = s.wo(), cg = s.cinPerGroup(), og = s.coutPerGroup();
  for (int64_t n = 0; n < s.n; ++n)
    for (int64_t co = 0; co < s.cout; ++co)
      for (int64_t oy = 0; oy < ho; ++oy)
        for (int64_t ox = 0; ox < wo; ++ox) {
          T acc = T(0);
          for (int64_t c = 0; c < cg; ++c) {
            const int64_t ci = co / og * cg + c;
            for (int64_t ky = 0; ky < s.kh; ++ky) {
              const int64_t iy = oy * s.sh - s.pt + ky * s.dh;
              if (iy < 0 || iy >= s.h) continue;
              for (int64_t kx = 0; kx < s.kw; ++kx) {
                const int64_t ix = ox * s.sw - s.pl + kx * s.dw;
                if (ix < 0 || ix >= s.w) continue;
                acc = mac(acc, x[((n * s.cin + ci) * s.h + iy) * s.w + ix], w[((co * cg + c) * s.kh + ky) * s.kw + kx]);
              }
            }
          }
          y[((n * s.cout + co) * ho + oy) * wo + ox] = s.bias ? acc + b[co] : acc;
        }
}

// dx = conv_transpose(dy, w)
template <class T>
void conv2dBackwardInputReference(const Conv2dShape& s, const T* dy, const T* w, T* dx) {
  const int64_t ho = s.ho(), wo = s.wo(), cg = s.cinPerGroup(), og = s.coutPerGroup();
  for (int64_t i = 0; i < s.inputSize(); ++i) dx[i] = T(0);
  for (int64_t n = 0; n < s.n; ++n)
    for (int64_t co = 0; co < s.cout; ++co)
      for (int64_t oy = 0; oy < ho; ++oy)
        for (int64_t ox = 0; ox < wo; ++ox) {
          const T g = dy[((n * s.cout + co) * ho + oy) * wo + ox];
          for (int64_t c = 0; c < cg; ++c) {
            const int64_t ci = co / og * cg + c;
            for (int64_t ky = 0; ky < s.kh; ++ky) {
              const int64_t iy = oy * s.sh - s.pt + ky * s.dh;
              if (iy < 0 || iy >= s.h) continue;
              for (int64_t kx = 0; kx < s.kw; ++kx) {
                const int64_t ix = ox * s.sw - s.pl + kx * s.dw;
                if (ix < 0 || ix >= s.w) continue;
                T& d = dx[((n * s.cin + ci) * s.h + iy) * s.w + ix];
                d = mac(d, g, w[((co * cg + c) * s.kh + ky) * s.kw + kx]);
              }
            }
          }
        }
}

// dw = sum over batch and positions of dy * x-patch
template <class T>
void conv2dBackwardWeightReference(const Conv2dShape& s, const T* dy, const T* x, T* dw) {
  const int64_t ho = s.ho(), wo = s.wo(), cg = s.cinPerGroup(), og = s.coutPerGroup();
  for (int64_t co = 0; co < s.cout; ++co)
    for (int64_t c = 0; c < cg; ++c) {
      const int64_t ci = co / og * cg + c;
      for (int64_t ky = 0; ky < s.kh; ++ky)
        for (int64_t kx = 0; kx < s.kw; ++kx) {
          T acc = T(0);
          for (int64_t n = 0; n < s.n; ++n)
            for (int64_t oy = 0; oy < ho; ++oy) {
              const int64_t iy = oy * s.sh - s.pt + ky * s.dh;
              if (iy < 0 || iy >= s.h) continue;
              for (int64_t ox = 0; ox < wo; ++ox) {
                const int64_t ix = ox * s.sw - s.pl + kx * s.dw;
                if (ix < 0 || ix >= s.w) continue;
                acc = mac(acc, dy[((n * s.cout + co) * ho + oy) * wo + ox], x[((n * s.cin + ci) * s.h + iy) * s.w + ix]);
              }
            }
          dw[((co * cg + c) * s.kh + ky) * s.kw + kx] = acc;
        }
    }
}

// db[co] = sum over batch and positions of dy
template <class T>
void conv2dBackwardBiasReference(const Conv2dShape& s, const T* dy, T* db) {
  const int64_t plane = s.ho() * s.wo();
  for (int64_t co = 0; co < s.cout; ++co) {
    T acc = T(0);
    for (int64_t n = 0; n < s.n; ++n)
      for (int64_t i = 0; i < plane; ++i) acc = acc + dy[(n * s.cout + co) * plane + i];
    db[co] = acc;
  }
}

// ---- CPU kernels (kernels/cpu/conv2d.cpp; the depthwise ones in kernels/cpu/conv2d_depthwise.cpp) --

void conv2dForward(ThreadPool& pool, const Conv2dShape& s, const float* x, const float* w, const float* b, float* y);
void conv2dBackwardInput(ThreadPool& pool, const Conv2dShape& s, const float* dy, const float* w, float* dx);
void conv2dBackwardWeight(ThreadPool& pool, const Conv2dShape& s, const float* dy, const float* x, float* dw);
void conv2dBackwardBias(ThreadPool& pool, const Conv2dShape& s, const float* dy, float* db);

// Direct loops for s.depthwise(), called by the four above.
void depthwiseConv2dForward(ThreadPool& pool, const Conv2dShape& s, const float* x, const float* w, const float* b, float* y);
void depthwiseConv2dBackwardInput(ThreadPool& pool, const Conv2dShape& s, const float* dy, const float* w, float* dx);
void depthwiseConv2dBackwardWeight(ThreadPool& pool, const Conv2dShape& s, const float* dy, const float* x, float* dw);

// ---- CUDA kernels (kernels/cuda/conv2d.cu) -------------------------------------------------------
// Implicit GEMMs on the tiled SGEMM core of kernels/cuda/gemm_tile.cuh, one per group: the patch
// matrix is gathered while the tiles load, never stored. Depthwise convolutions run direct kernels.

namespace cuda {

void conv2dForward(CudaStream stream, const Conv2dShape& s, const float* x, const float* w, const float* b, float* y);
void conv2dBackwardInput(CudaStream stream, const Conv2dShape& s, const float* dy, const float* w, float* dx);
void conv2dBackwardWeight(CudaStream stream, const Conv2dShape& s, const float* dy, const float* x, float* dw);
void conv2dBackwardBias(CudaStream stream, const Conv2dShape& s, const float* dy, float* db);

}  // namespace cuda

}  // namespace sj
