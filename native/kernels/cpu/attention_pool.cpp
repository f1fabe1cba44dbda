#include "kernels/attention_pool.h"

#include <algorithm>
#include <vector>

namespace sj {

namespace {
// Clips per task: at least ~16k elements, so small calls stay on one thread.
int64_t clipGrain(const AttentionPoolShape& s) { return std::max<int64_t>(1, 16384 / std::max<int64_t>(1, s.t * s.c)); }
}  // namespace

// After the softmax, one task per range of clips: each sums over its own T x C block, so the
// sums over time never span two tasks. Inner loops run over the contiguous classes.
void attentionPoolForward(ThreadPool& pool, const AttentionPoolShape& s, const float* strong, const float* a, float* sof, float* den,
                          float* weak) {
  softmaxForward(pool, s.softmax(), a, sof);
  const float floor = static_cast<float>(kAttentionFloor);
  pool.parallelFor(s.b, clipGrain(s), [&](int64_t begin, int64_t end) {
    std::vector<double> num(s.c), sum(s.c);
    for (int64_t b = begin; b < end; ++b) {
      std::fill(num.begin(), num.end(), 0.0);
      std::fill(sum.begin(), sum.end(), 0.0);
      for (int64_t t = 0; t < s.t; ++t) {
        const float* p = strong + (b * s.t + t) * s.c;
        const float* q = sof + (b * s.t + t) * s.c;
        for (int64_t c = 0; c < s.c; ++c) {
          const float w = std::max(std::min(q[c], 1.0f), floor);
          num[c] += static_cast<double>(p[c]) * w;
          sum[c] += w;
        }
      }
      for (int64_t c = 0; c < s.c; ++c) {
        den[b * s.c + c] = static_cast<float>(sum[c]);
        weak[b * s.c + c] = static_cast<float>(num[c] / sum[c]);
      }
    }
  });
}

void attentionPoolBackwardInput(ThreadPool& pool, const AttentionPoolShape& s, const float* strong, const float* sof, const float* den,
                                const float* weak, const float* dweak, float* dstrong, float* da) {
  const float floor = static_cast<float>(kAttentionFloor);
  pool.parallelFor(s.b, clipGrain(s), [&](int64_t begin, int64_t end) {
    std::vector<float> r(s.c);
    for (int64_t b = begin; b < end; ++b) {
      for (int64_t c = 0; c < s.c; ++c) r[c] = dweak[b * s.c + c] / den[b * s.c + c];
      const float* wk = weak + b * s.c;
      for (int64_t t = 0; t < s.t; ++t) {
        const int64_t row = (b * s.t + t) * s.c;
        for (int64_t c = 0; c < s.c; ++c) {
          const float v = sof[row + c];
          const bool pass = v >= floor && v <= 1.0f;
          dstrong[row + c] = r[c] * std::max(std::min(v, 1.0f), floor);
          da[row + c] = pass ? r[c] * (strong[row + c] - wk[c]) : 0.0f;
        }
      }
    }
  });
  softmaxBackwardInput(pool, s.softmax(), sof, da, da);
}

}  // namespace sj
