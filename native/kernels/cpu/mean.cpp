#include "kernels/mean.h"

#include <vector>

namespace sj {

void meanForward(ThreadPool& pool, const MeanShape& s, const float* x, float* y) {
  const double scale = 1.0 / static_cast<double>(s.n);
  pool.parallelFor(s.outer, 1, [&](int64_t begin, int64_t end) {
    std::vector<double> acc(s.inner);
    for (int64_t o = begin; o < end; ++o) {
      std::fill(acc.begin(), acc.end(), 0.0);
      for (int64_t k = 0; k < s.n; ++k) {
        const float* row = x + (o * s.n + k) * s.inner;
        for (int64_t i = 0; i < s.inner; ++i) acc[i] += row[i];
      }
      for (int64_t i = 0; i < s.inner; ++i) y[o * s.inner + i] = static_cast<float>(acc[i] * scale);
    }
  });
}

void meanBackwardInput(ThreadPool& pool, const MeanShape& s, const float* dy, float* dx) {
  const float scale = static_cast<float>(1.0 / static_cast<double>(s.n));
  pool.parallelFor(s.outer, 1, [&](int64_t begin, int64_t end) {
    for (int64_t o = begin; o < end; ++o)
      for (int64_t k = 0; k < s.n; ++k) {
        float* row = dx + (o * s.n + k) * s.inner;
        const float* g = dy + o * s.inner;
        for (int64_t i = 0; i < s.inner; ++i) row[i] = g[i] * scale;
      }
  });
}

}  // namespace sj
