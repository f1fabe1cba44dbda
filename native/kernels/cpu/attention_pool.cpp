#include "kernels/cpu/attention_pool.h"

#include <algorithm>
#include <vector>

#include "base/error.h"
#include "core/shape_text.h"

namespace sj {

SoftmaxShape AttentionPoolShape::softmax() const {
  if (softmaxOver == AttentionAxis::Classes) return SoftmaxShape{b * t, c, 1};
  return SoftmaxShape{b, t, c};
}

void AttentionPoolShape::validate() const {
  if (b <= 0 || t <= 0 || c <= 0) fail(ErrorCode::Shape, "attention pool: dimensions must be positive, got [B][T][C] = ", dims({b, t, c}));
}

std::string AttentionPoolShape::describe() const {
  return "strong,a" + dims({b, t, c}) + " softmax over " + (softmaxOver == AttentionAxis::Classes ? "classes" : "time") + " -> weak" +
         dims({b, c});
}

Cost attentionPoolForwardCost(const AttentionPoolShape& s) {
  Cost c = softmaxForwardCost(s.softmax());
  c.macs += s.size();                          // numerator
  c.flops += 2 * s.size() + s.clipSize() * (s.t - 1) + s.clipSize();  // MACs, denominator adds, divide
  c.comparisons += 2 * s.size();              // clamp
  c.bytesRead = kFloatBytes * 2 * s.size();   // strong, a
  c.bytesWritten = kFloatBytes * (s.size() + 2 * s.clipSize());  // sof, den, weak
  return c;
}

Cost attentionPoolBackwardInputCost(const AttentionPoolShape& s) {
  Cost c = softmaxBackwardInputCost(s.softmax());
  c.flops += s.clipSize() + 3 * s.size();
  c.comparisons += 2 * s.size();
  c.bytesRead = kFloatBytes * (2 * s.size() + 3 * s.clipSize());  // strong, sof, den, weak, dweak
  c.bytesWritten = kFloatBytes * 2 * s.size();                    // dstrong, da
  return c;
}

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
