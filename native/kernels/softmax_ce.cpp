#include "kernels/softmax_ce.h"

#include "base/error.h"
#include "core/shape_text.h"

namespace sj {

void SoftmaxCeShape::validate() const {
  if (rows <= 0) fail(ErrorCode::Shape, "softmax-ce: the input must have rows, got ", rows);
  if (classes <= 1) fail(ErrorCode::Shape, "softmax-ce: a row must have at least 2 classes, got ", classes);
}

std::string SoftmaxCeShape::describe() const { return "logits" + dims({rows, classes}); }

Cost softmaxCeForwardCost(const SoftmaxCeShape& s) {
  const int64_t R = s.rows, C = s.classes;
  Cost c;
  c.flops = (5 * C - 1) * R + (R - 1) + 1;
  c.transcendentals = (C + 1) * R;
  c.comparisons = (C - 1) * R;
  c.bytesRead = kFloatBytes * 2 * s.size();  // x, t
  c.bytesWritten = kFloatBytes;              // the loss
  return c;
}

Cost softmaxCeBackwardInputCost(const SoftmaxCeShape& s) {
  const int64_t R = s.rows, C = s.classes;
  Cost c;
  c.flops = 1 + (6 * C - 1) * R;
  c.transcendentals = C * R;
  c.comparisons = (C - 1) * R;
  c.bytesRead = kFloatBytes * (2 * s.size() + 1);  // x, t, g
  c.bytesWritten = kFloatBytes * s.size();
  return c;
}

}  // namespace sj
