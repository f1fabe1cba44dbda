#include "kernels/optimizer.h"

#include <cmath>

namespace sj {

namespace {
constexpr int64_t kGrain = 1 << 14;
}

void adamStep(ThreadPool& pool, const AdamShape& s, int64_t step, float* p, const float* g, float* m, float* v) {
  const AdamScalars k = adamScalars(s, step);
  const float b1 = static_cast<float>(s.beta1), c1 = static_cast<float>(1.0 - s.beta1);
  const float b2 = static_cast<float>(s.beta2), c2 = static_cast<float>(1.0 - s.beta2);
  const float wd = static_cast<float>(s.weightDecay), eps = static_cast<float>(s.eps);
  const float stepSize = static_cast<float>(k.stepSize), bc2Sqrt = static_cast<float>(k.bc2Sqrt);
  pool.parallelFor(s.size, kGrain, [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) {
      const float d = g[i] + wd * p[i];
      const float mi = b1 * m[i] + c1 * d;
      const float vi = b2 * v[i] + c2 * (d * d);
      m[i] = mi;
      v[i] = vi;
      p[i] -= stepSize * (mi / (std::sqrt(vi) / bc2Sqrt + eps));
    }
  });
}

void sgdStep(ThreadPool& pool, const SgdShape& s, int64_t step, float* p, const float* g, float* m) {
  checkStep(step);
  const float lr = static_cast<float>(s.lr), wd = static_cast<float>(s.weightDecay);
  const float mu = static_cast<float>(s.momentum), keep = static_cast<float>(1.0 - s.dampening);
  pool.parallelFor(s.size, kGrain, [&](int64_t begin, int64_t end) {
    if (s.momentum == 0.0) {
      for (int64_t i = begin; i < end; ++i) p[i] -= lr * (g[i] + wd * p[i]);
      return;
    }
    for (int64_t i = begin; i < end; ++i) {
      const float d = g[i] + wd * p[i];
      const float buf = step == 1 ? d : mu * m[i] + keep * d;
      m[i] = buf;
      p[i] -= lr * (s.nesterov ? d + mu * buf : buf);
    }
  });
}

}  // namespace sj
