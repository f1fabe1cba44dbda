// 2-D convolution (cross-correlation, as in PyTorch), forward and backward.
//
//   x  [N][Cin][H][W]        input
//   w  [Cout][Cin][KH][KW]   weight
//   b  [Cout]                bias (optional)
//   y  [N][Cout][Ho][Wo]     output, Ho = (H + 2*PH - KH) / SH + 1
//
// Each pass has a plain reference loop (a template, run in float, double and on the counting
// scalar of the tests) and a fast version (implicit im2col feeding the packed GEMM), and one cost
// formula. The reference skips taps that fall on padding, so `macs` counts useful work only; the
// fast kernel multiplies those zeros, reported as `paddingMacs`.
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
  int64_t sh = 1, sw = 1, ph = 0, pw = 0;
  bool bias = true;

  int64_t ho() const { return (h + 2 * ph - kh) / sh + 1; }
  int64_t wo() const { return (w + 2 * pw - kw) / sw + 1; }
  int64_t inputSize() const { return n * cin * h * w; }
  int64_t weightSize() const { return cout * cin * kh * kw; }
  int64_t outputSize() const { return n * cout * ho() * wo(); }
  void validate() const;  // E_SHAPE naming the offending dimension
  std::string describe() const;
  // Number of (output position, kernel tap) pairs along one axis whose input index is inside the
  // image: the padding-aware count of useful taps.
  static int64_t validTaps(int64_t in, int64_t out, int64_t k, int64_t s, int64_t p);
};

Cost conv2dForwardCost(const Conv2dShape& s);
Cost conv2dBackwardInputCost(const Conv2dShape& s);
Cost conv2dBackwardWeightCost(const Conv2dShape& s);
Cost conv2dBackwardBiasCost(const Conv2dShape& s);

// ---- reference loops -------------------------------------------------------------------------

// y = conv(x, w) + b
template <class T>
void conv2dForwardReference(const Conv2dShape& s, const T* x, const T* w, const T* b, T* y) {
  const int64_t ho = s.ho(), wo = s.wo();
  for (int64_t n = 0; n < s.n; ++n)
    for (int64_t co = 0; co < s.cout; ++co)
      for (int64_t oy = 0; oy < ho; ++oy)
        for (int64_t ox = 0; ox < wo; ++ox) {
          T acc = T(0);
          for (int64_t ci = 0; ci < s.cin; ++ci)
            for (int64_t ky = 0; ky < s.kh; ++ky) {
              const int64_t iy = oy * s.sh - s.ph + ky;
              if (iy < 0 || iy >= s.h) continue;
              for (int64_t kx = 0; kx < s.kw; ++kx) {
                const int64_t ix = ox * s.sw - s.pw + kx;
                if (ix < 0 || ix >= s.w) continue;
                acc = mac(acc, x[((n * s.cin + ci) * s.h + iy) * s.w + ix], w[((co * s.cin + ci) * s.kh + ky) * s.kw + kx]);
              }
            }
          y[((n * s.cout + co) * ho + oy) * wo + ox] = s.bias ? acc + b[co] : acc;
        }
}

// dx = conv_transpose(dy, w)
template <class T>
void conv2dBackwardInputReference(const Conv2dShape& s, const T* dy, const T* w, T* dx) {
  const int64_t ho = s.ho(), wo = s.wo();
  for (int64_t i = 0; i < s.inputSize(); ++i) dx[i] = T(0);
  for (int64_t n = 0; n < s.n; ++n)
    for (int64_t co = 0; co < s.cout; ++co)
      for (int64_t oy = 0; oy < ho; ++oy)
        for (int64_t ox = 0; ox < wo; ++ox) {
          const T g = dy[((n * s.cout + co) * ho + oy) * wo + ox];
          for (int64_t ci = 0; ci < s.cin; ++ci)
            for (int64_t ky = 0; ky < s.kh; ++ky) {
              const int64_t iy = oy * s.sh - s.ph + ky;
              if (iy < 0 || iy >= s.h) continue;
              for (int64_t kx = 0; kx < s.kw; ++kx) {
                const int64_t ix = ox * s.sw - s.pw + kx;
                if (ix < 0 || ix >= s.w) continue;
                T& d = dx[((n * s.cin + ci) * s.h + iy) * s.w + ix];
                d = mac(d, g, w[((co * s.cin + ci) * s.kh + ky) * s.kw + kx]);
              }
            }
        }
}

// dw = sum over batch and positions of dy * x-patch
template <class T>
void conv2dBackwardWeightReference(const Conv2dShape& s, const T* dy, const T* x, T* dw) {
  const int64_t ho = s.ho(), wo = s.wo();
  for (int64_t co = 0; co < s.cout; ++co)
    for (int64_t ci = 0; ci < s.cin; ++ci)
      for (int64_t ky = 0; ky < s.kh; ++ky)
        for (int64_t kx = 0; kx < s.kw; ++kx) {
          T acc = T(0);
          for (int64_t n = 0; n < s.n; ++n)
            for (int64_t oy = 0; oy < ho; ++oy) {
              const int64_t iy = oy * s.sh - s.ph + ky;
              if (iy < 0 || iy >= s.h) continue;
              for (int64_t ox = 0; ox < wo; ++ox) {
                const int64_t ix = ox * s.sw - s.pw + kx;
                if (ix < 0 || ix >= s.w) continue;
                acc = mac(acc, dy[((n * s.cout + co) * ho + oy) * wo + ox], x[((n * s.cin + ci) * s.h + iy) * s.w + ix]);
              }
            }
          dw[((co * s.cin + ci) * s.kh + ky) * s.kw + kx] = acc;
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

// ---- CPU kernels (kernels/cpu/conv2d.cpp) --------------------------------------------------------

void conv2dForward(ThreadPool& pool, const Conv2dShape& s, const float* x, const float* w, const float* b, float* y);
void conv2dBackwardInput(ThreadPool& pool, const Conv2dShape& s, const float* dy, const float* w, float* dx);
void conv2dBackwardWeight(ThreadPool& pool, const Conv2dShape& s, const float* dy, const float* x, float* dw);
void conv2dBackwardBias(ThreadPool& pool, const Conv2dShape& s, const float* dy, float* db);

// ---- CUDA kernels (kernels/cuda/conv2d.cu) -------------------------------------------------------
// Implicit GEMMs on the tiled SGEMM core of kernels/cuda/gemm_tile.cuh: the patch matrix is gathered while the
// tiles load, never stored.

namespace cuda {

void conv2dForward(CudaStream stream, const Conv2dShape& s, const float* x, const float* w, const float* b, float* y);
void conv2dBackwardInput(CudaStream stream, const Conv2dShape& s, const float* dy, const float* w, float* dx);
void conv2dBackwardWeight(CudaStream stream, const Conv2dShape& s, const float* dy, const float* x, float* dw);
void conv2dBackwardBias(CudaStream stream, const Conv2dShape& s, const float* dy, float* db);

}  // namespace cuda

}  // namespace sj
