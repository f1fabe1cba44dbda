#include "kernels/cpu/batchnorm2d.h"

#include <algorithm>
#include <cmath>
#include <sstream>
#include <vector>

#include "base/error.h"
#include "core/shape_text.h"
#include "kernels/cpu/lane_sum.h"

namespace sj {

void BatchNorm2dShape::validate() const {
  if (n <= 0 || c <= 0 || h <= 0 || w <= 0) fail(ErrorCode::Shape, "batchnorm2d: dimensions must be positive, got x", dims({n, c, h, w}));
  if (training && perChannel() < 2) {
    fail(ErrorCode::Shape, "batchnorm2d: training needs more than one value per channel (N*H*W), got x", dims({n, c, h, w}));
  }
  if (!(eps > 0.0 && std::isfinite(eps))) fail(ErrorCode::Value, "batchnorm2d: eps must be positive and finite, got ", eps);
  if (!(momentum >= 0.0 && momentum <= 1.0)) fail(ErrorCode::Value, "batchnorm2d: momentum must be in [0, 1], got ", momentum);
}

std::string BatchNorm2dShape::describe() const {
  std::ostringstream text;
  text << "x" << dims({n, c, h, w}) << (training ? " train" : " eval") << " eps=" << eps;
  if (training) text << " momentum=" << momentum;
  return text.str();
}

Cost batchnorm2dForwardCost(const BatchNorm2dShape& s) {
  const int64_t e = s.size(), c = s.c;
  Cost cost;
  if (s.training) {
    // sum (E), deviations (E) and their squares (E MACs), y = (x - mean) * a + beta (3E);
    // per channel: mean, variance, + eps, 1 / sqrt, a = gamma * rstd, running mean 3, running var 4.
    cost.macs = e;
    cost.flops = 7 * e + 12 * c;
    cost.transcendentals = c;
    // reads x, gamma, beta, runningMean, runningVar; writes y, mean, rstd, runningMean, runningVar
    cost.bytesRead = kFloatBytes * (e + 4 * c);
    cost.bytesWritten = kFloatBytes * (e + 4 * c);
  } else {
    // per channel: + eps, 1 / sqrt, a = gamma * rstd; y = (x - mean) * a + beta (3E)
    cost.flops = 3 * e + 3 * c;
    cost.transcendentals = c;
    cost.bytesRead = kFloatBytes * (e + 4 * c);
    cost.bytesWritten = kFloatBytes * (e + 2 * c);  // y, mean, rstd
  }
  return cost;
}

Cost batchnorm2dBackwardInputCost(const BatchNorm2dShape& s) {
  const int64_t e = s.size(), c = s.c;
  Cost cost;
  if (s.training) {
    // sum dy (E), sum dy * (x - mean) (E subs + E MACs), dx (5E); per channel: scale, mean(dy), k (3)
    cost.macs = e;
    cost.flops = 9 * e + 5 * c;
    cost.bytesRead = kFloatBytes * (2 * e + 3 * c);  // dy, x, gamma, mean, rstd
  } else {
    cost.flops = e + c;                          // dx = dy * (gamma * rstd)
    cost.bytesRead = kFloatBytes * (e + 2 * c);  // dy, gamma, rstd
  }
  cost.bytesWritten = kFloatBytes * e;
  return cost;
}

Cost batchnorm2dBackwardWeightCost(const BatchNorm2dShape& s) {
  Cost cost;
  cost.macs = s.size();
  cost.flops = 3 * s.size() + s.c;                          // x - mean, MAC; * rstd per channel
  cost.bytesRead = kFloatBytes * (2 * s.size() + 2 * s.c);  // dy, x, mean, rstd
  cost.bytesWritten = kFloatBytes * s.c;
  return cost;
}

Cost batchnorm2dBackwardBiasCost(const BatchNorm2dShape& s) {
  Cost cost;
  cost.flops = s.size();
  cost.bytesRead = kFloatBytes * s.size();
  cost.bytesWritten = kFloatBytes * s.c;
  return cost;
}

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
