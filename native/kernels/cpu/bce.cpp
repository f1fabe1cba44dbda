#include "kernels/bce.h"

#include <algorithm>
#include <cmath>
#include <vector>

namespace sj {
namespace {

constexpr int64_t kBlock = 4096;  // elements per partial sum: fixed, so sums are thread-count independent

}  // namespace

void bceForward(ThreadPool& pool, const BceShape& s, const float* x, const float* t, float* loss) {
  const int64_t blocks = (s.size + kBlock - 1) / kBlock;
  std::vector<double> partial(blocks);
  pool.parallelFor(blocks, 4, [&](int64_t begin, int64_t end) {
    for (int64_t b = begin; b < end; ++b) {
      const int64_t i0 = b * kBlock, i1 = std::min(s.size, i0 + kBlock);
      bceCheckValues(s, x, t, i0, i1);
      double sum = 0.0;
      if (s.logits) {
        for (int64_t i = i0; i < i1; ++i) sum += bceElementLoss(true, x[i], t[i]);
      } else {
        for (int64_t i = i0; i < i1; ++i) sum += bceElementLoss(false, x[i], t[i]);
      }
      partial[b] = sum;
    }
  });
  double sum = 0.0;
  for (double p : partial) sum += p;
  loss[0] = static_cast<float>(sum / static_cast<double>(s.size));
}

void bceBackwardInput(ThreadPool& pool, const BceShape& s, const float* x, const float* t, const float* g, float* dx) {
  const float scale = static_cast<float>(g[0] / static_cast<double>(s.size));
  const float eps = static_cast<float>(kBceGradientEpsilon);
  pool.parallelFor(s.size, 1 << 14, [&](int64_t begin, int64_t end) {
    if (s.logits) {
      for (int64_t i = begin; i < end; ++i) dx[i] = (sigmoidOf(x[i]) - t[i]) * scale;
    } else {
      for (int64_t i = begin; i < end; ++i) dx[i] = (x[i] - t[i]) * scale / std::max((1.0f - x[i]) * x[i], eps);
    }
  });
}

}  // namespace sj
