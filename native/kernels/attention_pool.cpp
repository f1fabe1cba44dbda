#include "kernels/attention_pool.h"

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

}  // namespace sj
