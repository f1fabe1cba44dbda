#include "kernels/batchnorm2d.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "kernels/cpu/lane_sum.h"

namespace sj {

namespace {

// Element-wise work in ranges of at least this many elements per thread.
constexpr int64_t kGrain = 1 << 14;

int64_t planeGrain(int64_t plane) { return std::max<int64_t>(1, kGrain / plane); }

}  // namespace

void batchnorm2dForward(ThreadPool& pool, const BatchNorm2dShape& s, const float* x, const float* gamma, const float* beta,
                        float* runningMean, float* runningVar, float* mean, float* rstd, float* y) {
  const int64_t plane = s.h * s.w, m = s.perChannel();
  // 1. Statistics, one channel per task.
  pool.parallelFor(s.c, 1, [&](int64_t begin, int64_t end) {
    for (int64_t c = begin; c < end; ++c) {
      if (!s.training) {
        mean[c] = runningMean[c];
        rstd[c] = static_cast<float>(1.0 / std::sqrt(static_cast<double>(runningVar[c]) + s.eps));
        continue;
      }
      LaneSum sum;
      for (int64_t n = 0; n < s.n; ++n) {
        const float* xs = x + (n * s.c + c) * plane;
        sum.add(plane, [xs](int64_t i) { return static_cast<double>(xs[i]); });
      }
      const double mu = sum.total() / static_cast<double>(m);
      LaneSum squares;
      for (int64_t n = 0; n < s.n; ++n) {
        const float* xs = x + (n * s.c + c) * plane;
        squares.add(plane, [xs, mu](int64_t i) {
          const double d = static_cast<double>(xs[i]) - mu;
          return d * d;
        });
      }
      const double sq = squares.total();
      mean[c] = static_cast<float>(mu);
      rstd[c] = static_cast<float>(1.0 / std::sqrt(sq / static_cast<double>(m) + s.eps));
      runningMean[c] = static_cast<float>((1.0 - s.momentum) * runningMean[c] + s.momentum * mu);
      runningVar[c] = static_cast<float>((1.0 - s.momentum) * runningVar[c] + s.momentum * (sq / static_cast<double>(m - 1)));
    }
  });
  // 2. Normalise, one (n, c) plane per item.
  pool.parallelFor(s.n * s.c, planeGrain(plane), [&](int64_t begin, int64_t end) {
    for (int64_t nc = begin; nc < end; ++nc) {
      const int64_t c = nc % s.c;
      const float mu = mean[c], a = gamma[c] * rstd[c], b = beta[c];
      const float* xs = x + nc * plane;
      float* ys = y + nc * plane;
      for (int64_t i = 0; i < plane; ++i) ys[i] = (xs[i] - mu) * a + b;
    }
  });
}

void batchnorm2dBackwardInput(ThreadPool& pool, const BatchNorm2dShape& s, const float* dy, const float* x, const float* gamma,
                              const float* mean, const float* rstd, float* dx) {
  const int64_t plane = s.h * s.w, m = s.perChannel();
  // dx = (dy - meanDy - (x - mean) * k) * scale, with meanDy = k = 0 in inference.
  std::vector<float> meanDy(s.c, 0.f), k(s.c, 0.f);
  if (s.training) {
    pool.parallelFor(s.c, 1, [&](int64_t begin, int64_t end) {
      for (int64_t c = begin; c < end; ++c) {
        const double mu = mean[c], r = rstd[c];
        LaneSum sumDy, sumDyDev;
        for (int64_t n = 0; n < s.n; ++n) {
          const float* g = dy + (n * s.c + c) * plane;
          const float* xs = x + (n * s.c + c) * plane;
          sumDy.add(plane, [g](int64_t i) { return static_cast<double>(g[i]); });
          sumDyDev.add(plane, [g, xs, mu](int64_t i) { return static_cast<double>(g[i]) * (static_cast<double>(xs[i]) - mu); });
        }
        meanDy[c] = static_cast<float>(sumDy.total() / static_cast<double>(m));
        k[c] = static_cast<float>(sumDyDev.total() * r * r / static_cast<double>(m));
      }
    });
  }
  pool.parallelFor(s.n * s.c, planeGrain(plane), [&](int64_t begin, int64_t end) {
    for (int64_t nc = begin; nc < end; ++nc) {
      const int64_t c = nc % s.c;
      const float scale = gamma[c] * rstd[c];
      const float* g = dy + nc * plane;
      float* d = dx + nc * plane;
      if (!s.training) {
        for (int64_t i = 0; i < plane; ++i) d[i] = g[i] * scale;
        continue;
      }
      const float mu = mean[c], md = meanDy[c], kc = k[c];
      const float* xs = x + nc * plane;
      for (int64_t i = 0; i < plane; ++i) d[i] = (g[i] - md - (xs[i] - mu) * kc) * scale;
    }
  });
}

void batchnorm2dBackwardWeight(ThreadPool& pool, const BatchNorm2dShape& s, const float* dy, const float* x, const float* mean,
                               const float* rstd, float* dgamma) {
  sumPerChannel(
      pool, s.n, s.c, s.h * s.w,
      [dy, x, mean](int64_t c, int64_t k) { return static_cast<double>(dy[k]) * (static_cast<double>(x[k]) - static_cast<double>(mean[c])); },
      [dgamma, rstd](int64_t c, double total) { dgamma[c] = static_cast<float>(total * rstd[c]); });
}

void batchnorm2dBackwardBias(ThreadPool& pool, const BatchNorm2dShape& s, const float* dy, float* dbeta) {
  sumPerChannel(
      pool, s.n, s.c, s.h * s.w, [dy](int64_t, int64_t k) { return static_cast<double>(dy[k]); },
      [dbeta](int64_t c, double total) { dbeta[c] = static_cast<float>(total); });
}

}  // namespace sj
