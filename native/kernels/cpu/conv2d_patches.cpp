#include "kernels/cpu/conv2d_patches.h"

#include <algorithm>
#include <cstring>
#include <vector>

namespace sj {
namespace {

// Source index along one axis for grid position `pos` and tap `k`, or -1 when the tap reads zero.
inline int64_t sourceIndex(const PatchGeometry& g, int64_t pos, int64_t k, int64_t stride, int64_t pad, int64_t dilation, int64_t len) {
  int64_t s;
  if (!g.transposed) {
    s = pos * stride - pad + k * dilation;
  } else {
    const int64_t t = pos + pad - k * dilation;
    if (t < 0 || t % stride != 0) return -1;
    s = t / stride;
  }
  return s >= 0 && s < len ? s : -1;
}

// For unit stride along x the source index is px + delta: the offset of tap kx.
inline int64_t unitStrideDelta(const PatchGeometry& g, int64_t kx) { return g.transposed ? g.pw - kx * g.dw : kx * g.dw - g.pw; }

// Calls emit(srcPointerOrNull, count, step) for consecutive runs of grid positions starting at
// position j (flattened over n, py, px), covering `count` positions; a null pointer means zeros.
template <class Emit>
void walkRow(const PatchGeometry& g, int64_t c, int64_t ky, int64_t kx, int64_t j, int64_t count, Emit&& emit) {
  const int64_t plane = g.gridH * g.gridW;
  int64_t n = j / plane;
  int64_t py = (j % plane) / g.gridW;
  int64_t px = j % g.gridW;
  while (count > 0) {
    const int64_t run = std::min(g.gridW - px, count);
    const int64_t sy = sourceIndex(g, py, ky, g.sh, g.ph, g.dh, g.srcH);
    if (sy < 0) {
      emit(nullptr, run);
    } else {
      const float* row = g.src + ((n * g.imageChannels + c) * g.srcH + sy) * g.srcW;
      if (g.sw == 1) {
        const int64_t delta = unitStrideDelta(g, kx);
        const int64_t lo = std::clamp<int64_t>(-delta - px, 0, run);
        const int64_t hi = std::clamp<int64_t>(g.srcW - delta - px, lo, run);
        if (lo > 0) emit(nullptr, lo);
        if (hi > lo) emit(row + px + lo + delta, hi - lo);
        if (run > hi) emit(nullptr, run - hi);
      } else {
        for (int64_t r = 0; r < run; ++r) {
          const int64_t sx = sourceIndex(g, px + r, kx, g.sw, g.pw, g.dw, g.srcW);
          emit(sx < 0 ? nullptr : row + sx, 1);
        }
      }
    }
    count -= run;
    px += run;
    if (px == g.gridW) {
      px = 0;
      if (++py == g.gridH) {
        py = 0;
        ++n;
      }
    }
  }
}

// Grids narrower than this pack through a table of source offsets: their runs along x are a few
// floats (the DCASE CRNN's last convolutions are 2 to 8 frequency bins wide), too short for
// walkRow's per-run work to pay off.
constexpr int64_t kNarrowGrid = 16;

// offsets[t * count + r] for tap t = (ky, kx) and grid positions first + r: where the tap reads,
// relative to the position's batch item and channel 0 of `src` (add c * srcH * srcW for channel c),
// or -1 for a zero. Shared by every channel.
void tapOffsets(const PatchGeometry& g, int64_t first, int64_t count, std::vector<int64_t>& offsets) {
  const int64_t taps = g.kh * g.kw, plane = g.gridH * g.gridW;
  offsets.resize(taps * count);
  for (int64_t r = 0; r < count; ++r) {
    const int64_t j = first + r, n = j / plane, py = (j % plane) / g.gridW, px = j % g.gridW;
    for (int64_t ky = 0; ky < g.kh; ++ky) {
      const int64_t sy = sourceIndex(g, py, ky, g.sh, g.ph, g.dh, g.srcH);
      for (int64_t kx = 0; kx < g.kw; ++kx) {
        const int64_t sx = sy < 0 ? -1 : sourceIndex(g, px, kx, g.sw, g.pw, g.dw, g.srcW);
        offsets[(ky * g.kw + kx) * count + r] = sx < 0 ? -1 : (n * g.imageChannels * g.srcH + sy) * g.srcW + sx;
      }
    }
  }
}

inline float at(const float* channel, int64_t offset) { return offset < 0 ? 0.f : channel[offset]; }

}  // namespace

void PatchColumnsPacker::pack(int64_t k0, int64_t kc, int64_t j0, int64_t nc, int nr, int64_t panelStride, float* dst) const {
  const int64_t taps = g_.kh * g_.kw;
  const int64_t panels = (nc + nr - 1) / nr;
  if (g_.gridW < kNarrowGrid) {
    thread_local std::vector<int64_t> offsets;
    tapOffsets(g_, j0, nc, offsets);
    for (int64_t k = 0; k < kc; ++k) {
      const int64_t row = k0 + k, c = row / taps;
      const float* channel = g_.src + c * g_.srcH * g_.srcW;
      const int64_t* o = offsets.data() + (row % taps) * nc;
      for (int64_t p = 0; p < panels; ++p) {
        float* out = dst + p * panelStride + k * nr;
        const int width = static_cast<int>(std::min<int64_t>(nr, nc - p * nr));
        for (int q = 0; q < width; ++q) out[q] = at(channel, o[p * nr + q]);
        for (int q = width; q < nr; ++q) out[q] = 0.f;
      }
    }
    return;
  }
  for (int64_t k = 0; k < kc; ++k) {
    const int64_t row = k0 + k;
    const int64_t c = row / taps, ky = (row % taps) / g_.kw, kx = row % g_.kw;
    // Column jj of this row lives at dst[(jj / nr) * panelStride + k * nr + jj % nr].
    int64_t panel = 0;
    int q = 0;
    auto emit = [&](const float* src, int64_t count) {
      while (count > 0) {
        const int chunk = static_cast<int>(std::min<int64_t>(count, nr - q));
        float* out = dst + panel * panelStride + k * nr + q;
        // Loops rather than memcpy/memset: the runs are a few to 32 floats, too short to pay
        // for a library call each.
        if (src) {
          for (int i = 0; i < chunk; ++i) out[i] = src[i];
          src += chunk;
        } else {
          for (int i = 0; i < chunk; ++i) out[i] = 0.f;
        }
        count -= chunk;
        q += chunk;
        if (q == nr) {
          q = 0;
          ++panel;
        }
      }
    };
    walkRow(g_, c, ky, kx, j0, nc, emit);
    if (panel < panels) emit(nullptr, nr - q);
  }
}

void PatchRowsPacker::pack(int64_t k0, int64_t kc, int64_t j0, int64_t nc, int nr, int64_t panelStride, float* dst) const {
  const int64_t taps = g_.kh * g_.kw;
  if (g_.gridW < kNarrowGrid) {
    thread_local std::vector<int64_t> offsets;
    tapOffsets(g_, k0, kc, offsets);
    for (int64_t p = 0; p * nr < nc; ++p) {
      float* d = dst + p * panelStride;
      const int64_t jbase = j0 + p * nr;
      const int width = static_cast<int>(std::min<int64_t>(nr, j0 + nc - jbase));
      for (int jj = 0; jj < width; ++jj) {
        const int64_t col = jbase + jj;
        const float* channel = g_.src + (col / taps) * g_.srcH * g_.srcW;
        const int64_t* o = offsets.data() + (col % taps) * kc;
        for (int64_t k = 0; k < kc; ++k) d[k * nr + jj] = at(channel, o[k]);
      }
      for (int jj = width; jj < nr; ++jj)
        for (int64_t k = 0; k < kc; ++k) d[k * nr + jj] = 0.f;
    }
    return;
  }
  for (int64_t p = 0; p * nr < nc; ++p) {
    float* d = dst + p * panelStride;
    const int64_t jbase = j0 + p * nr;
    const int width = static_cast<int>(std::min<int64_t>(nr, j0 + nc - jbase));
    for (int jj = 0; jj < width; ++jj) {
      const int64_t col = jbase + jj;
      const int64_t c = col / taps, ky = (col % taps) / g_.kw, kx = col % g_.kw;
      float* out = d + jj;  // row k of this column is out[k * nr]
      auto emit = [&](const float* src, int64_t count) {
        if (src) {
          for (int64_t r = 0; r < count; ++r) out[r * nr] = src[r];
        } else {
          for (int64_t r = 0; r < count; ++r) out[r * nr] = 0.f;
        }
        out += count * nr;
      };
      walkRow(g_, c, ky, kx, k0, kc, emit);
    }
    for (int jj = width; jj < nr; ++jj)
      for (int64_t k = 0; k < kc; ++k) d[k * nr + jj] = 0.f;
  }
}

}  // namespace sj
