#include "kernels/cpu/bce.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "base/error.h"

namespace sj {

void BceShape::validate() const {
  if (size <= 0) fail(ErrorCode::Shape, "bce: the input must have elements, got ", size);
}

std::string BceShape::describe() const { return std::string(logits ? "logits" : "probabilities") + " x[" + std::to_string(size) + "]"; }

int64_t firstOutsideUnitInterval(const float* v, int64_t begin, int64_t end) {
  bool ok = true;
  for (int64_t i = begin; i < end; ++i) ok &= v[i] >= 0.0f && v[i] <= 1.0f;  // false for NaN; no early exit, so it vectorises
  if (ok) return -1;
  for (int64_t i = begin; i < end; ++i)
    if (!(v[i] >= 0.0f && v[i] <= 1.0f)) return i;
  return -1;
}

namespace {

// Elements [begin, end): throws E_VALUE naming the first bad one.
void checkRange(const BceShape& s, const float* x, const float* t, int64_t begin, int64_t end) {
  const int64_t badTarget = firstOutsideUnitInterval(t, begin, end);
  const int64_t badProbability = s.logits ? -1 : firstOutsideUnitInterval(x, begin, end);
  if (badTarget >= 0 && (badProbability < 0 || badTarget <= badProbability)) {
    fail(ErrorCode::Value, "bce: target t[", badTarget, "] = ", t[badTarget], " is not in [0, 1]");
  }
  if (badProbability >= 0) {
    fail(ErrorCode::Value, "bce: probability p[", badProbability, "] = ", x[badProbability],
         " is not in [0, 1] (pass logits to the fused variant instead)");
  }
}

constexpr int64_t kBlock = 4096;  // elements per partial sum: fixed, so sums are thread-count independent

}  // namespace

void bceCheckValues(const BceShape& s, const float* x, const float* t) { checkRange(s, x, t, 0, s.size); }

Cost bceForwardCost(const BceShape& s) {
  Cost c;
  c.flops = (s.logits ? 4 : 5) * s.size + (s.size - 1) + 1;
  c.transcendentals = 2 * s.size;
  c.comparisons = 2 * s.size;
  c.bytesRead = kFloatBytes * 2 * s.size;  // x, t
  c.bytesWritten = kFloatBytes;            // the loss
  return c;
}

Cost bceBackwardInputCost(const BceShape& s) {
  Cost c;
  if (s.logits) {
    c.flops = 1 + (kSigmoidFlops + 2) * s.size;
    c.transcendentals = kSigmoidTranscendentals * s.size;
    c.comparisons = kSigmoidComparisons * s.size;
  } else {
    c.flops = 1 + 5 * s.size;
    c.comparisons = s.size;
  }
  c.bytesRead = kFloatBytes * (2 * s.size + 1);  // x, t, g
  c.bytesWritten = kFloatBytes * s.size;
  return c;
}

void bceForward(ThreadPool& pool, const BceShape& s, const float* x, const float* t, float* loss) {
  const int64_t blocks = (s.size + kBlock - 1) / kBlock;
  std::vector<double> partial(blocks);
  pool.parallelFor(blocks, 4, [&](int64_t begin, int64_t end) {
    for (int64_t b = begin; b < end; ++b) {
      const int64_t i0 = b * kBlock, i1 = std::min(s.size, i0 + kBlock);
      checkRange(s, x, t, i0, i1);
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
