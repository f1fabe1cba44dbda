#include "kernels/normalize.h"

#include <algorithm>
#include <cmath>

namespace sj {

void normalizeForward(ThreadPool& pool, const NormalizeShape& s, const float* x, float* y) {
  const int64_t n = s.size;
  double offset = 0.0, scale = 1.0;
  if (s.kind == NormalizeKind::MinMax) {
    float lo = x[0], hi = x[0];
    for (int64_t i = 1; i < n; ++i) {
      lo = x[i] < lo ? x[i] : lo;
      hi = x[i] > hi ? x[i] : hi;
    }
    offset = lo;
    scale = 1.0 / std::max(static_cast<double>(hi) - static_cast<double>(lo), 1e-30);
  }
  if (s.kind == NormalizeKind::Standardize) {
    double sum = 0.0;
    for (int64_t i = 0; i < n; ++i) sum += x[i];
    const double mean = sum / static_cast<double>(n);
    double squares = 0.0;
    for (int64_t i = 0; i < n; ++i) squares += (x[i] - mean) * (x[i] - mean);
    const double std = std::sqrt(squares / static_cast<double>(n > 1 ? n - 1 : 1));
    offset = mean;
    scale = 1.0 / std::max(std, 1e-30);
  }
  if (s.kind == NormalizeKind::None) {
    if (x != y) std::copy(x, x + n, y);
    return;
  }
  // y = (x - offset) * scale in double, rounded once: exact 0 for a constant block.
  pool.parallelFor(n, 4096, [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) y[i] = static_cast<float>((x[i] - offset) * scale);
  });
}

}  // namespace sj
