#include "kernels/pool2d.h"

#include <algorithm>
#include <vector>

#include "kernels/conv2d.h"

namespace sj {

namespace {

// Rows of outputs per task: at least ~16k window taps, so small calls stay on one thread.
int64_t rowGrain(const Pool2dShape& s) { return std::max<int64_t>(1, 16384 / std::max<int64_t>(1, s.wo() * s.kh * s.kw)); }
int64_t planeGrain(const Pool2dShape& s) { return std::max<int64_t>(1, 16384 / std::max<int64_t>(1, s.h * s.w)); }

}  // namespace

// One task per range of output rows (plane, oy); each window is reduced inside one task.
void maxPool2dForward(ThreadPool& pool, const Pool2dShape& s, const float* x, float* y, int32_t* argmax) {
  const int64_t ho = s.ho(), wo = s.wo();
  pool.parallelFor(s.planes() * ho, rowGrain(s), [&](int64_t begin, int64_t end) {
    for (int64_t row = begin; row < end; ++row) {
      const int64_t p = row / ho, oy = row % ho;
      const float* plane = x + p * s.h * s.w;
      const int64_t y0 = Pool2dShape::windowBegin(oy, s.sh, s.ph), y1 = Pool2dShape::windowEnd(oy, s.kh, s.sh, s.ph, s.h);
      float* out = y + row * wo;
      int32_t* where = argmax + row * wo;
      for (int64_t ox = 0; ox < wo; ++ox) {
        const int64_t x0 = Pool2dShape::windowBegin(ox, s.sw, s.pw), x1 = Pool2dShape::windowEnd(ox, s.kw, s.sw, s.pw, s.w);
        int64_t best = y0 * s.w + x0;
        float value = plane[best];
        for (int64_t iy = y0; iy < y1; ++iy) {
          const float* r = plane + iy * s.w;
          for (int64_t ix = x0; ix < x1; ++ix)
            if (r[ix] > value) {
              value = r[ix];
              best = iy * s.w + ix;
            }
        }
        out[ox] = value;
        where[ox] = static_cast<int32_t>(best);
      }
    }
  });
}

// Scatter by plane: a plane's gradient is written by one task, in output order, so overlapping
// windows add up in the same order whatever the thread count.
void maxPool2dBackwardInput(ThreadPool& pool, const Pool2dShape& s, const float* dy, const int32_t* argmax, float* dx) {
  const int64_t out = s.ho() * s.wo(), in = s.h * s.w;
  pool.parallelFor(s.planes(), planeGrain(s), [&](int64_t begin, int64_t end) {
    for (int64_t p = begin; p < end; ++p) {
      float* d = dx + p * in;
      const float* g = dy + p * out;
      const int32_t* where = argmax + p * out;
      std::fill(d, d + in, 0.0f);
      for (int64_t o = 0; o < out; ++o) d[where[o]] += g[o];
    }
  });
}

namespace {

// 1 / (number of valid positions) along one axis for each output, or 1 / k with countIncludePad:
// the divisor of output (oy, ox) is the product of the two axes' counts.
std::vector<double> inverseCounts(const Pool2dShape& s, int64_t out, int64_t k, int64_t stride, int64_t pad, int64_t in) {
  std::vector<double> inv(out);
  for (int64_t o = 0; o < out; ++o)
    inv[o] = 1.0 / static_cast<double>(s.countIncludePad ? k : Pool2dShape::windowEnd(o, k, stride, pad, in) - Pool2dShape::windowBegin(o, stride, pad));
  return inv;
}

// Non-overlapping, unpadded windows 1 or 2 high and 2 wide (the DCASE CRNN's 2x2 and 1x2 pools):
// every window is whole, so its divisor is the same for each output of a row, and each input
// position is covered by one window at most. The loops below compute what the general ones do,
// in the same order, with the geometry fixed so that they vectorise.
bool pairWindows(const Pool2dShape& s) { return s.kw == 2 && s.sw == 2 && s.pw == 0 && s.kh <= 2 && s.sh == s.kh && s.ph == 0; }

// One row of outputs: the window sum row by row, left then right, in double.
template <int KH>
void avgPoolPairsRow(const float* __restrict in, int64_t w, int64_t wo, double scale, float* __restrict out) {
  for (int64_t ox = 0; ox < wo; ++ox) {
    double acc = 0.0;
    for (int r = 0; r < KH; ++r) {
      acc += in[r * w + 2 * ox];
      acc += in[r * w + 2 * ox + 1];
    }
    out[ox] = static_cast<float>(acc * scale);
  }
}

// One row of the input gradient from the row of output gradients g whose windows cover it: each
// output's scaled gradient to both its columns, 0 to a last column that no window covers.
void avgPoolPairsGradientRow(const float* __restrict g, int64_t wo, double scale, float* __restrict d, int64_t w) {
  for (int64_t ox = 0; ox < wo; ++ox) {
    const float v = static_cast<float>(g[ox] * scale);
    d[2 * ox] = v;
    d[2 * ox + 1] = v;
  }
  for (int64_t ix = 2 * wo; ix < w; ++ix) d[ix] = 0.0f;
}

}  // namespace

void avgPool2dForward(ThreadPool& pool, const Pool2dShape& s, const float* x, float* y) {
  const int64_t ho = s.ho(), wo = s.wo();
  const std::vector<double> invY = inverseCounts(s, ho, s.kh, s.sh, s.ph, s.h), invX = inverseCounts(s, wo, s.kw, s.sw, s.pw, s.w);
  if (pairWindows(s)) {
    pool.parallelFor(s.planes() * ho, rowGrain(s), [&](int64_t begin, int64_t end) {
      for (int64_t row = begin; row < end; ++row) {
        const int64_t p = row / ho, oy = row % ho;
        const float* in = x + p * s.h * s.w + oy * s.kh * s.w;
        if (s.kh == 1) avgPoolPairsRow<1>(in, s.w, wo, invY[oy] * invX[0], y + row * wo);
        else avgPoolPairsRow<2>(in, s.w, wo, invY[oy] * invX[0], y + row * wo);
      }
    });
    return;
  }
  pool.parallelFor(s.planes() * ho, rowGrain(s), [&](int64_t begin, int64_t end) {
    for (int64_t row = begin; row < end; ++row) {
      const int64_t p = row / ho, oy = row % ho;
      const float* plane = x + p * s.h * s.w;
      const int64_t y0 = Pool2dShape::windowBegin(oy, s.sh, s.ph), y1 = Pool2dShape::windowEnd(oy, s.kh, s.sh, s.ph, s.h);
      float* out = y + row * wo;
      for (int64_t ox = 0; ox < wo; ++ox) {
        const int64_t x0 = Pool2dShape::windowBegin(ox, s.sw, s.pw), x1 = Pool2dShape::windowEnd(ox, s.kw, s.sw, s.pw, s.w);
        double acc = 0.0;
        for (int64_t iy = y0; iy < y1; ++iy) {
          const float* r = plane + iy * s.w;
          for (int64_t ix = x0; ix < x1; ++ix) acc += r[ix];
        }
        out[ox] = static_cast<float>(acc * (invY[oy] * invX[ox]));
      }
    }
  });
}

// Gather: each input pixel sums the scaled gradients of the outputs whose windows cover it, so
// tasks split by input rows never write the same element.
void avgPool2dBackwardInput(ThreadPool& pool, const Pool2dShape& s, const float* dy, float* dx) {
  const int64_t ho = s.ho(), wo = s.wo();
  const std::vector<double> invY = inverseCounts(s, ho, s.kh, s.sh, s.ph, s.h), invX = inverseCounts(s, wo, s.kw, s.sw, s.pw, s.w);
  const int64_t grain = std::max<int64_t>(1, 16384 / std::max<int64_t>(1, s.w * s.kh * s.kw));
  if (pairWindows(s)) {
    pool.parallelFor(s.planes() * s.h, grain, [&](int64_t begin, int64_t end) {
      for (int64_t row = begin; row < end; ++row) {
        const int64_t p = row / s.h, oy = row % s.h / s.kh;
        float* d = dx + row * s.w;
        if (oy < ho) avgPoolPairsGradientRow(dy + (p * ho + oy) * wo, wo, invY[oy] * invX[0], d, s.w);
        else std::fill(d, d + s.w, 0.0f);  // a last row that no window covers
      }
    });
    return;
  }
  auto covering = [](int64_t i, int64_t k, int64_t stride, int64_t pad, int64_t out, int64_t& first, int64_t& last) {
    first = Pool2dShape::firstCovering(i, k, stride, pad);
    last = Pool2dShape::lastCovering(i, stride, pad, out);
  };
  std::vector<int64_t> firstX(s.w), lastX(s.w);
  for (int64_t ix = 0; ix < s.w; ++ix) covering(ix, s.kw, s.sw, s.pw, wo, firstX[ix], lastX[ix]);
  pool.parallelFor(s.planes() * s.h, grain, [&](int64_t begin, int64_t end) {
    std::vector<double> scaled(wo), acc(s.w);
    for (int64_t row = begin; row < end; ++row) {
      const int64_t p = row / s.h, iy = row % s.h;
      int64_t oy0, oy1;
      covering(iy, s.kh, s.sh, s.ph, ho, oy0, oy1);
      std::fill(acc.begin(), acc.end(), 0.0);
      for (int64_t oy = oy0; oy <= oy1; ++oy) {
        const float* g = dy + (p * ho + oy) * wo;
        for (int64_t ox = 0; ox < wo; ++ox) scaled[ox] = g[ox] * (invY[oy] * invX[ox]);
        for (int64_t ix = 0; ix < s.w; ++ix)
          for (int64_t ox = firstX[ix]; ox <= lastX[ix]; ++ox) acc[ix] += scaled[ox];
      }
      float* d = dx + row * s.w;
      for (int64_t ix = 0; ix < s.w; ++ix) d[ix] = static_cast<float>(acc[ix]);
    }
  });
}

}  // namespace sj
