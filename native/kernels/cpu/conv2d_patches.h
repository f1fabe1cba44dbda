// Image patches as GEMM operands: an im2col matrix that is never materialised. The packers write
// the patch values straight into the GEMM's packed panels, so a convolution costs no more memory
// than its input and output.
//
// A patch geometry maps a position (py, px) of the iterated grid and a kernel tap (ky, kx) to a
// source pixel of channel c of `src`, an image of `imageChannels` channels of srcH x srcW (a group
// of a grouped convolution is `channels` of them, `src` pointing at its first):
//   forward conv:          sy = py * sh - ph + ky * dh                      (grid = output, src = x)
//   transposed (dX pass):  sy = (py + ph - ky * dh) / sh, when divisible    (grid = input, src = dy)
// (ph is the top padding; the bottom padding only shapes the grid.) Taps that fall outside the
// source (padding, stride gaps) read as zero.
#pragma once
#include <cstdint>

#include "kernels/cpu/gemm.h"

namespace sj {

struct PatchGeometry {
  const float* src = nullptr;
  int64_t n = 0, channels = 0, imageChannels = 0, srcH = 0, srcW = 0;
  int64_t gridH = 0, gridW = 0;
  int64_t kh = 1, kw = 1, sh = 1, sw = 1, ph = 0, pw = 0, dh = 1, dw = 1;
  bool transposed = false;

  int64_t rows() const { return channels * kh * kw; }      // (c, ky, kx)
  int64_t columns() const { return n * gridH * gridW; }    // (n, py, px)
};

// B(k = (c, ky, kx), j = (n, py, px)): the im2col matrix; forward conv and the dX pass.
class PatchColumnsPacker : public BPacker {
 public:
  explicit PatchColumnsPacker(const PatchGeometry& g) : g_(g) {}
  void pack(int64_t k0, int64_t kc, int64_t j0, int64_t nc, int nr, int64_t panelStride, float* dst) const override;

 private:
  PatchGeometry g_;
};

// B(k = (n, py, px), j = (c, ky, kx)): the transposed im2col matrix; the dW pass.
class PatchRowsPacker : public BPacker {
 public:
  explicit PatchRowsPacker(const PatchGeometry& g) : g_(g) {}
  void pack(int64_t k0, int64_t kc, int64_t j0, int64_t nc, int nr, int64_t panelStride, float* dst) const override;

 private:
  PatchGeometry g_;
};

}  // namespace sj
