#include "kernels/cpu/pool2d.h"

#include <algorithm>
#include <vector>

#include "base/error.h"
#include "core/shape_text.h"
#include "kernels/cpu/conv2d.h"

namespace sj {

void Pool2dShape::validate() const {
  auto positive = [](const char* name, int64_t v) {
    if (v <= 0) fail(ErrorCode::Shape, "pool2d: ", name, " must be positive, got ", v);
  };
  positive("batch", n);
  positive("channels", c);
  positive("input height", h);
  positive("input width", w);
  positive("window height", kh);
  positive("window width", kw);
  positive("stride height", sh);
  positive("stride width", sw);
  if (ph < 0 || pw < 0) fail(ErrorCode::Shape, "pool2d: padding must be >= 0, got ", ph, "x", pw);
  if (ph >= kh || pw >= kw) {
    fail(ErrorCode::Shape, "pool2d: padding ", ph, "x", pw, " must be smaller than the window ", kh, "x", kw,
         " (else a window can hold only padding)");
  }
  if (h + 2 * ph < kh || w + 2 * pw < kw) {
    fail(ErrorCode::Shape, "pool2d: window ", kh, "x", kw, " is larger than the padded input ", h + 2 * ph, "x", w + 2 * pw);
  }
  if (h * w > INT32_MAX) fail(ErrorCode::Shape, "pool2d: an input plane of ", h, "x", w, " is too large for int32 argmax indices");
}

std::string Pool2dShape::describe() const {
  return "x" + dims({n, c, h, w}) + " k" + std::to_string(kh) + "x" + std::to_string(kw) + " s" + std::to_string(sh) + "x" +
         std::to_string(sw) + " p" + std::to_string(ph) + "x" + std::to_string(pw) + (countIncludePad ? "" : " excl-pad") + " -> y" +
         dims({n, c, ho(), wo()});
}

// The number of (output, window tap) pairs inside the image is the same count as the useful taps
// of a convolution with this geometry, so one function serves both.
int64_t Pool2dShape::validPerPlane() const {
  return Conv2dShape::validTaps(h, ho(), kh, sh, ph) * Conv2dShape::validTaps(w, wo(), kw, sw, pw);
}

Cost maxPool2dForwardCost(const Pool2dShape& s) {
  Cost c;
  c.comparisons = s.planes() * (s.validPerPlane() - s.ho() * s.wo());
  c.bytesRead = kFloatBytes * s.inputSize();
  c.bytesWritten = kFloatBytes * 2 * s.outputSize();  // y and the int32 argmax
  return c;
}

Cost maxPool2dBackwardInputCost(const Pool2dShape& s) {
  Cost c;
  c.flops = s.outputSize();
  c.bytesRead = kFloatBytes * 2 * s.outputSize();  // dy and the int32 argmax
  c.bytesWritten = kFloatBytes * s.inputSize();
  return c;
}

Cost avgPool2dForwardCost(const Pool2dShape& s) {
  Cost c;
  c.flops = s.planes() * s.validPerPlane();  // (v - 1) adds + 1 multiply per output
  c.bytesRead = kFloatBytes * s.inputSize();
  c.bytesWritten = kFloatBytes * s.outputSize();
  return c;
}

Cost avgPool2dBackwardInputCost(const Pool2dShape& s) {
  Cost c;
  c.flops = s.planes() * s.validPerPlane() + s.outputSize();  // 1 multiply + v adds per output
  c.bytesRead = kFloatBytes * s.outputSize();
  c.bytesWritten = kFloatBytes * s.inputSize();
  return c;
}

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

}  // namespace

void avgPool2dForward(ThreadPool& pool, const Pool2dShape& s, const float* x, float* y) {
  const int64_t ho = s.ho(), wo = s.wo();
  const std::vector<double> invY = inverseCounts(s, ho, s.kh, s.sh, s.ph, s.h), invX = inverseCounts(s, wo, s.kw, s.sw, s.pw, s.w);
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
  auto covering = [](int64_t i, int64_t k, int64_t stride, int64_t pad, int64_t out, int64_t& first, int64_t& last) {
    first = Pool2dShape::firstCovering(i, k, stride, pad);
    last = Pool2dShape::lastCovering(i, stride, pad, out);
  };
  std::vector<int64_t> firstX(s.w), lastX(s.w);
  for (int64_t ix = 0; ix < s.w; ++ix) covering(ix, s.kw, s.sw, s.pw, wo, firstX[ix], lastX[ix]);
  const int64_t grain = std::max<int64_t>(1, 16384 / std::max<int64_t>(1, s.w * s.kh * s.kw));
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
