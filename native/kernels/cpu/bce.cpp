#include "kernels/bce.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "kernels/cpu/lane_sum.h"
#include "kernels/cpu/vector_math.h"

namespace sj {
namespace {

constexpr int64_t kBlock = 4096;  // elements per partial sum: fixed, so sums are thread-count independent

}  // namespace

// Per block: the transcendentals of bceElementLoss over the whole block by the vectorised math
// (into two scratch rows that stay in the L1 cache), then the element losses, in the reference's
// order of operations, summed in double.
void bceForward(ThreadPool& pool, const BceShape& s, const float* x, const float* t, float* loss) {
  const vector_math::Kernels& math = vector_math::active();
  const int64_t blocks = (s.size + kBlock - 1) / kBlock;
  std::vector<double> partial(blocks);
  pool.parallelFor(blocks, 4, [&](int64_t begin, int64_t end) {
    std::vector<float> first(kBlock), second(kBlock);
    float *a = first.data(), *c = second.data();
    for (int64_t b = begin; b < end; ++b) {
      const int64_t i0 = b * kBlock, n = std::min(s.size, i0 + kBlock) - i0;
      const float *xb = x + i0, *tb = t + i0;
      bceCheckValues(s, x, t, i0, i0 + n);
      LaneSum sum;
      if (s.logits) {
        for (int64_t k = 0; k < n; ++k) a[k] = -std::fabs(xb[k]);
        math.exp(a, a, n);
        math.log1p(a, a, n);  // log1p(exp(-|x|))
        sum.add(n, [&](int64_t k) { return static_cast<double>(maxOf(xb[k], 0.0f) - xb[k] * tb[k] + a[k]); });
      } else {
        math.log(xb, a, n);  // log p
        for (int64_t k = 0; k < n; ++k) c[k] = -xb[k];
        math.log1p(c, c, n);  // log1p(-p)
        sum.add(n, [&](int64_t k) { return static_cast<double>((tb[k] - 1.0f) * maxOf(c[k], -100.0f) - tb[k] * maxOf(a[k], -100.0f)); });
      }
      partial[b] = sum.total();
    }
  });
  double sum = 0.0;
  for (double p : partial) sum += p;
  loss[0] = static_cast<float>(sum / static_cast<double>(s.size));
}

void bceBackwardInput(ThreadPool& pool, const BceShape& s, const float* x, const float* t, const float* g, float* dx) {
  const vector_math::Kernels& math = vector_math::active();
  const float scale = static_cast<float>(g[0] / static_cast<double>(s.size));
  const float eps = static_cast<float>(kBceGradientEpsilon);
  pool.parallelFor(s.size, 1 << 14, [&](int64_t begin, int64_t end) {
    if (s.logits) {
      // The sigmoids of a block, then (sigmoid - t) * scale while they are in the L1 cache.
      for (int64_t i0 = begin; i0 < end; i0 += kBlock) {
        const int64_t i1 = std::min(end, i0 + kBlock);
        math.sigmoid(x + i0, dx + i0, i1 - i0);
        for (int64_t i = i0; i < i1; ++i) dx[i] = (dx[i] - t[i]) * scale;
      }
    } else {
      for (int64_t i = begin; i < end; ++i) dx[i] = (x[i] - t[i]) * scale / std::max((1.0f - x[i]) * x[i], eps);
    }
  });
}

}  // namespace sj
