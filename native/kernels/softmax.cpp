#include "kernels/softmax.h"

#include "base/error.h"
#include "core/shape_text.h"

namespace sj {

void SoftmaxShape::validate() const {
  if (outer <= 0 || n <= 0 || inner <= 0) {
    fail(ErrorCode::Shape, "softmax: dimensions must be positive, got [outer][n][inner] = ", dims({outer, n, inner}));
  }
}

std::string SoftmaxShape::describe() const { return "x" + dims({outer, n, inner}) + " over axis 1 (n = " + std::to_string(n) + ")"; }

Cost softmaxForwardCost(const SoftmaxShape& s) {
  Cost c;
  c.flops = 3 * s.size();
  c.transcendentals = s.size();
  c.comparisons = s.rows() * (s.n - 1);
  c.bytesRead = kFloatBytes * s.size();
  c.bytesWritten = kFloatBytes * s.size();
  return c;
}

Cost softmaxBackwardInputCost(const SoftmaxShape& s) {
  Cost c;
  c.macs = s.size();
  c.flops = 2 * c.macs + 2 * s.size();
  c.bytesRead = kFloatBytes * 2 * s.size();  // y, dy
  c.bytesWritten = kFloatBytes * s.size();
  return c;
}

Cost logSoftmaxForwardCost(const SoftmaxShape& s) {
  Cost c;
  c.flops = s.rows() * (3 * s.n - 1);
  c.transcendentals = s.rows() * (s.n + 1);
  c.comparisons = s.rows() * (s.n - 1);
  c.bytesRead = kFloatBytes * s.size();
  c.bytesWritten = kFloatBytes * s.size();
  return c;
}

Cost logSoftmaxBackwardInputCost(const SoftmaxShape& s) {
  Cost c;
  c.flops = s.rows() * (3 * s.n - 1);
  c.transcendentals = s.size();
  c.bytesRead = kFloatBytes * 2 * s.size();  // y, dy
  c.bytesWritten = kFloatBytes * s.size();
  return c;
}

}  // namespace sj
