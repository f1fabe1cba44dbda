#include "kernels/bce.h"

#include "base/error.h"

namespace sj {

void BceShape::validate() const {
  if (size <= 0) fail(ErrorCode::Shape, "bce: the input must have elements, got ", size);
}

std::string BceShape::describe() const { return std::string(logits ? "logits" : "probabilities") + " x[" + std::to_string(size) + "]"; }

int64_t firstOutsideUnitInterval(const float* v, int64_t begin, int64_t end) {
  // Flags combined with | (NaN fails both comparisons): no branch and no early exit, so the loop
  // vectorises (a bool with && has a branch per element and does not).
  int outside = 0;
  for (int64_t i = begin; i < end; ++i) outside |= !(v[i] >= 0.0f) | !(v[i] <= 1.0f);
  if (!outside) return -1;
  for (int64_t i = begin; i < end; ++i)
    if (!(v[i] >= 0.0f && v[i] <= 1.0f)) return i;
  return -1;
}

void bceCheckValues(const BceShape& s, const float* x, const float* t, int64_t begin, int64_t end) {
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

void bceCheckValues(const BceShape& s, const float* x, const float* t) { bceCheckValues(s, x, t, 0, s.size); }

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

}  // namespace sj
