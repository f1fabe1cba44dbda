// 2-D max and average pooling over each plane of x, forward and backward, as in PyTorch's
// MaxPool2d / AvgPool2d with floor mode (ceil_mode=False) and no dilation.
//
//   x       [N][C][H][W]     input
//   y       [N][C][Ho][Wo]   output, Ho = (H + 2*PH - KH) / SH + 1 (floor), same for Wo
//   argmax  [N][C][Ho][Wo]   int32, max only: index iy*W + ix of the maximum within its input plane
//
// Padding is never read: a window covers only its valid (inside the image) positions, and since
// padding < window every window holds at least one. Max pooling therefore compares only real
// values (PyTorch's implicit -inf padding never wins either). Average pooling divides by KH*KW
// (countIncludePad, PyTorch's default; in floor mode no window reaches past the padded border, so
// this is PyTorch's clipped pool size) or by the number of valid positions.
//
// The reference sums a window by starting from its first valid value, so a window of v valid
// positions costs v - 1 adds (max: v - 1 comparisons); the reciprocal of the divisor is a
// constant of the geometry, not of the data, and costs nothing.
#pragma once
#include <cstdint>
#include <string>

#include "core/cost.h"
#include "core/thread_pool.h"
#include "cuda/cuda_stream.h"
#include "kernels/scalar_math.h"

namespace sj {

struct Pool2dShape {
  int64_t n = 1, c = 1, h = 1, w = 1;
  int64_t kh = 1, kw = 1;
  int64_t sh = 1, sw = 1, ph = 0, pw = 0;
  bool countIncludePad = true;  // average pooling only: divide by KH*KW, else by the valid count

  int64_t ho() const { return (h + 2 * ph - kh) / sh + 1; }
  int64_t wo() const { return (w + 2 * pw - kw) / sw + 1; }
  int64_t planes() const { return n * c; }
  int64_t inputSize() const { return n * c * h * w; }
  int64_t outputSize() const { return n * c * ho() * wo(); }
  // Sum over all outputs of one plane of the number of valid positions in their windows.
  int64_t validPerPlane() const;
  // First and one-past-last valid input index of the window of output o along one axis
  // (constexpr: the CUDA kernels call them too).
  static constexpr int64_t windowBegin(int64_t o, int64_t s, int64_t p) { return o * s - p < 0 ? 0 : o * s - p; }
  static constexpr int64_t windowEnd(int64_t o, int64_t k, int64_t s, int64_t p, int64_t in) { return o * s - p + k > in ? in : o * s - p + k; }
  // First and last output (of `out`) whose window covers input index i along one axis:
  // o*s - p <= i < o*s - p + k. None when last < first. The backward passes gather with these.
  static constexpr int64_t firstCovering(int64_t i, int64_t k, int64_t s, int64_t p) { return i + p - k + 1 <= 0 ? 0 : (i + p - k + s) / s; }
  static constexpr int64_t lastCovering(int64_t i, int64_t s, int64_t p, int64_t out) { return (i + p) / s < out - 1 ? (i + p) / s : out - 1; }
  void validate() const;  // E_SHAPE naming the offending dimension
  std::string describe() const;
};

Cost maxPool2dForwardCost(const Pool2dShape& s);
Cost maxPool2dBackwardInputCost(const Pool2dShape& s);
Cost avgPool2dForwardCost(const Pool2dShape& s);
Cost avgPool2dBackwardInputCost(const Pool2dShape& s);

// ---- reference loops -------------------------------------------------------------------------

// y = max over each window, argmax = where it was (the first maximum on ties, as PyTorch)
template <class T>
void maxPool2dForwardReference(const Pool2dShape& s, const T* x, T* y, int32_t* argmax) {
  const int64_t ho = s.ho(), wo = s.wo();
  for (int64_t p = 0; p < s.planes(); ++p) {
    const T* plane = x + p * s.h * s.w;
    for (int64_t oy = 0; oy < ho; ++oy) {
      const int64_t y0 = Pool2dShape::windowBegin(oy, s.sh, s.ph), y1 = Pool2dShape::windowEnd(oy, s.kh, s.sh, s.ph, s.h);
      for (int64_t ox = 0; ox < wo; ++ox) {
        const int64_t x0 = Pool2dShape::windowBegin(ox, s.sw, s.pw), x1 = Pool2dShape::windowEnd(ox, s.kw, s.sw, s.pw, s.w);
        int64_t best = y0 * s.w + x0;
        T value = plane[best];
        for (int64_t iy = y0; iy < y1; ++iy)
          for (int64_t ix = iy == y0 ? x0 + 1 : x0; ix < x1; ++ix)
            if (plane[iy * s.w + ix] > value) {
              value = plane[iy * s.w + ix];
              best = iy * s.w + ix;
            }
        y[(p * ho + oy) * wo + ox] = value;
        argmax[(p * ho + oy) * wo + ox] = static_cast<int32_t>(best);
      }
    }
  }
}

// dx = 0, then dx[argmax] += dy for every output
template <class T>
void maxPool2dBackwardInputReference(const Pool2dShape& s, const T* dy, const int32_t* argmax, T* dx) {
  const int64_t out = s.ho() * s.wo(), in = s.h * s.w;
  for (int64_t i = 0; i < s.inputSize(); ++i) dx[i] = T(0);
  for (int64_t p = 0; p < s.planes(); ++p)
    for (int64_t o = 0; o < out; ++o) {
      T& d = dx[p * in + argmax[p * out + o]];
      d = d + dy[p * out + o];
    }
}

// Divisor of output (oy, ox): KH*KW with countIncludePad, else its number of valid positions.
inline int64_t avgPool2dDivisor(const Pool2dShape& s, int64_t oy, int64_t ox) {
  if (s.countIncludePad) return s.kh * s.kw;
  return (Pool2dShape::windowEnd(oy, s.kh, s.sh, s.ph, s.h) - Pool2dShape::windowBegin(oy, s.sh, s.ph)) *
         (Pool2dShape::windowEnd(ox, s.kw, s.sw, s.pw, s.w) - Pool2dShape::windowBegin(ox, s.sw, s.pw));
}

// y = (sum of the valid positions of each window) * (1 / divisor)
template <class T>
void avgPool2dForwardReference(const Pool2dShape& s, const T* x, T* y) {
  const int64_t ho = s.ho(), wo = s.wo();
  for (int64_t p = 0; p < s.planes(); ++p) {
    const T* plane = x + p * s.h * s.w;
    for (int64_t oy = 0; oy < ho; ++oy) {
      const int64_t y0 = Pool2dShape::windowBegin(oy, s.sh, s.ph), y1 = Pool2dShape::windowEnd(oy, s.kh, s.sh, s.ph, s.h);
      for (int64_t ox = 0; ox < wo; ++ox) {
        const int64_t x0 = Pool2dShape::windowBegin(ox, s.sw, s.pw), x1 = Pool2dShape::windowEnd(ox, s.kw, s.sw, s.pw, s.w);
        T acc = plane[y0 * s.w + x0];
        for (int64_t iy = y0; iy < y1; ++iy)
          for (int64_t ix = iy == y0 ? x0 + 1 : x0; ix < x1; ++ix) acc = acc + plane[iy * s.w + ix];
        y[(p * ho + oy) * wo + ox] = acc * T(1.0 / static_cast<double>(avgPool2dDivisor(s, oy, ox)));
      }
    }
  }
}

// dx = 0, then every valid position of a window gets dy * (1 / divisor)
template <class T>
void avgPool2dBackwardInputReference(const Pool2dShape& s, const T* dy, T* dx) {
  const int64_t ho = s.ho(), wo = s.wo();
  for (int64_t i = 0; i < s.inputSize(); ++i) dx[i] = T(0);
  for (int64_t p = 0; p < s.planes(); ++p) {
    T* plane = dx + p * s.h * s.w;
    for (int64_t oy = 0; oy < ho; ++oy) {
      const int64_t y0 = Pool2dShape::windowBegin(oy, s.sh, s.ph), y1 = Pool2dShape::windowEnd(oy, s.kh, s.sh, s.ph, s.h);
      for (int64_t ox = 0; ox < wo; ++ox) {
        const int64_t x0 = Pool2dShape::windowBegin(ox, s.sw, s.pw), x1 = Pool2dShape::windowEnd(ox, s.kw, s.sw, s.pw, s.w);
        const T g = dy[(p * ho + oy) * wo + ox] * T(1.0 / static_cast<double>(avgPool2dDivisor(s, oy, ox)));
        for (int64_t iy = y0; iy < y1; ++iy)
          for (int64_t ix = x0; ix < x1; ++ix) plane[iy * s.w + ix] = plane[iy * s.w + ix] + g;
      }
    }
  }
}

// ---- CPU kernels (kernels/cpu/pool2d.cpp) --------------------------------------------------------

void maxPool2dForward(ThreadPool& pool, const Pool2dShape& s, const float* x, float* y, int32_t* argmax);
void maxPool2dBackwardInput(ThreadPool& pool, const Pool2dShape& s, const float* dy, const int32_t* argmax, float* dx);
void avgPool2dForward(ThreadPool& pool, const Pool2dShape& s, const float* x, float* y);
void avgPool2dBackwardInput(ThreadPool& pool, const Pool2dShape& s, const float* dy, float* dx);

// ---- CUDA kernels (kernels/cuda/pool2d.cu) -------------------------------------------------------
// All pointers are device memory; argmax is int32.

namespace cuda {

void maxPool2dForward(CudaStream stream, const Pool2dShape& s, const float* x, float* y, int32_t* argmax);
void maxPool2dBackwardInput(CudaStream stream, const Pool2dShape& s, const float* dy, const int32_t* argmax, float* dx);
void avgPool2dForward(CudaStream stream, const Pool2dShape& s, const float* x, float* y);
void avgPool2dBackwardInput(CudaStream stream, const Pool2dShape& s, const float* dy, float* dx);

}  // namespace cuda

}  // namespace sj
