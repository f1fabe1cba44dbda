// Depthwise convolution (groups = Cin > 1, channel multiplier M = Cout/Cin; output channel co reads
// input channel co / M) as direct loops. A GEMM per group would have one row of Cin/G = 1 channel
// and M rows: too thin for the packed micro-kernel, and each of G calls would pack its patches.
// Here each (batch, channel) plane is one task; within it the work is rows of axpys
// (row[o] += w * src[o * stride]) over exactly the output positions whose tap lies inside the
// image, so padding is never multiplied and unit-stride rows vectorise.
#include <algorithm>
#include <vector>

#include "kernels/conv2d.h"
#include "kernels/cpu/lane_sum.h"

namespace sj {
namespace {

// Output positions [begin, end) along one axis whose tap, at input offset o * stride + offset,
// lies inside [0, in).
struct Span {
  int64_t begin, end;
  int64_t size() const { return end - begin; }
};
Span insideTaps(int64_t in, int64_t out, int64_t stride, int64_t offset) {
  const int64_t begin = offset >= 0 ? 0 : (-offset + stride - 1) / stride;
  const int64_t last = in - 1 - offset;  // o * stride <= last
  const int64_t end = last < 0 ? 0 : std::min(out, last / stride + 1);
  return {begin, std::max(begin, end)};
}

// dst[o] += a * src[o * stride], o < count
inline void axpyGather(float* __restrict__ dst, const float* __restrict__ src, int64_t count, int64_t stride, float a) {
  if (stride == 1) {
    for (int64_t o = 0; o < count; ++o) dst[o] += a * src[o];
  } else {
    for (int64_t o = 0; o < count; ++o) dst[o] += a * src[o * stride];
  }
}

// dst[o * stride] += a * src[o], o < count
inline void axpyScatter(float* __restrict__ dst, const float* __restrict__ src, int64_t count, int64_t stride, float a) {
  if (stride == 1) {
    for (int64_t o = 0; o < count; ++o) dst[o] += a * src[o];
  } else {
    for (int64_t o = 0; o < count; ++o) dst[o * stride] += a * src[o];
  }
}

// acc[o] += u[o] * v[o * stride], o < count
inline void productGather(float* __restrict__ acc, const float* __restrict__ u, const float* __restrict__ v, int64_t count, int64_t stride) {
  if (stride == 1) {
    for (int64_t o = 0; o < count; ++o) acc[o] += u[o] * v[o];
  } else {
    for (int64_t o = 0; o < count; ++o) acc[o] += u[o] * v[o * stride];
  }
}

}  // namespace

// y[n][co] = b[co] + sum over taps of w[co][ky][kx] * x[n][co / M] shifted by the tap
void depthwiseConv2dForward(ThreadPool& pool, const Conv2dShape& s, const float* x, const float* w, const float* b, float* y) {
  const int64_t ho = s.ho(), wo = s.wo(), mult = s.coutPerGroup(), taps = s.kh * s.kw;
  pool.parallelFor(s.n * s.cout, 1, [&](int64_t begin, int64_t end) {
    for (int64_t nc = begin; nc < end; ++nc) {
      const int64_t n = nc / s.cout, co = nc % s.cout;
      const float* in = x + (n * s.cin + co / mult) * s.h * s.w;
      const float* k = w + co * taps;
      float* out = y + nc * ho * wo;
      std::fill(out, out + ho * wo, s.bias ? b[co] : 0.f);
      for (int64_t oy = 0; oy < ho; ++oy)
        for (int64_t ky = 0; ky < s.kh; ++ky) {
          const int64_t iy = oy * s.sh - s.pt + ky * s.dh;
          if (iy < 0 || iy >= s.h) continue;
          for (int64_t kx = 0; kx < s.kw; ++kx) {
            const int64_t offset = kx * s.dw - s.pl;
            const Span r = insideTaps(s.w, wo, s.sw, offset);
            axpyGather(out + oy * wo + r.begin, in + iy * s.w + r.begin * s.sw + offset, r.size(), s.sw, k[ky * s.kw + kx]);
          }
        }
    }
  });
}

// dx[n][ci] = sum over the M output channels of ci and their taps of w * dy scattered back; one
// task owns one dx plane, so no two threads write one element.
void depthwiseConv2dBackwardInput(ThreadPool& pool, const Conv2dShape& s, const float* dy, const float* w, float* dx) {
  const int64_t ho = s.ho(), wo = s.wo(), mult = s.coutPerGroup(), taps = s.kh * s.kw;
  pool.parallelFor(s.n * s.cin, 1, [&](int64_t begin, int64_t end) {
    for (int64_t nc = begin; nc < end; ++nc) {
      const int64_t n = nc / s.cin, ci = nc % s.cin;
      float* out = dx + nc * s.h * s.w;
      std::fill(out, out + s.h * s.w, 0.f);
      for (int64_t co = ci * mult; co < (ci + 1) * mult; ++co) {
        const float* grad = dy + (n * s.cout + co) * ho * wo;
        const float* k = w + co * taps;
        for (int64_t oy = 0; oy < ho; ++oy)
          for (int64_t ky = 0; ky < s.kh; ++ky) {
            const int64_t iy = oy * s.sh - s.pt + ky * s.dh;
            if (iy < 0 || iy >= s.h) continue;
            for (int64_t kx = 0; kx < s.kw; ++kx) {
              const int64_t offset = kx * s.dw - s.pl;
              const Span r = insideTaps(s.w, wo, s.sw, offset);
              axpyScatter(out + iy * s.w + r.begin * s.sw + offset, grad + oy * wo + r.begin, r.size(), s.sw, k[ky * s.kw + kx]);
            }
          }
      }
    }
  });
}

// dw[co][ky][kx] = sum over n and output positions of dy[n][co] * x[n][co / M] at the tap. Each
// (n, co) task sums its plane per tap (rows of products added position-wise, then the row in
// double lanes); the batch's partial sums are then added in batch order, so the result does not
// depend on the thread count.
void depthwiseConv2dBackwardWeight(ThreadPool& pool, const Conv2dShape& s, const float* dy, const float* x, float* dw) {
  const int64_t ho = s.ho(), wo = s.wo(), mult = s.coutPerGroup(), taps = s.kh * s.kw;
  std::vector<double> partial(static_cast<size_t>(s.n * s.cout * taps));
  pool.parallelFor(s.n * s.cout, 1, [&](int64_t begin, int64_t end) {
    std::vector<float> row(static_cast<size_t>(wo));
    for (int64_t nc = begin; nc < end; ++nc) {
      const int64_t n = nc / s.cout, co = nc % s.cout;
      const float* in = x + (n * s.cin + co / mult) * s.h * s.w;
      const float* grad = dy + nc * ho * wo;
      for (int64_t ky = 0; ky < s.kh; ++ky)
        for (int64_t kx = 0; kx < s.kw; ++kx) {
          const int64_t offset = kx * s.dw - s.pl;
          const Span r = insideTaps(s.w, wo, s.sw, offset);
          std::fill(row.begin(), row.end(), 0.f);
          for (int64_t oy = 0; oy < ho; ++oy) {
            const int64_t iy = oy * s.sh - s.pt + ky * s.dh;
            if (iy < 0 || iy >= s.h) continue;
            productGather(row.data() + r.begin, grad + oy * wo + r.begin, in + iy * s.w + r.begin * s.sw + offset, r.size(), s.sw);
          }
          LaneSum sum;
          sum.add(r.size(), [&](int64_t o) { return static_cast<double>(row[r.begin + o]); });
          partial[nc * taps + ky * s.kw + kx] = sum.total();
        }
    }
  });
  pool.parallelFor(s.cout * taps, 64, [&](int64_t begin, int64_t end) {
    for (int64_t e = begin; e < end; ++e) {
      double total = 0.0;
      for (int64_t n = 0; n < s.n; ++n) total += partial[n * s.cout * taps + e];
      dw[e] = static_cast<float>(total);
    }
  });
}

}  // namespace sj
