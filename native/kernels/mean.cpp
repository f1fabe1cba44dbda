#include "kernels/mean.h"

#include "base/error.h"
#include "core/shape_text.h"

namespace sj {

void MeanShape::validate() const {
  if (outer <= 0 || n <= 0 || inner <= 0) fail(ErrorCode::Shape, "mean: dimensions must be positive, got ", dims({outer, n, inner}));
}

std::string MeanShape::describe() const { return "x" + dims({outer, n, inner}) + " mean over axis 1 -> y" + dims({outer, inner}); }

Cost meanForwardCost(const MeanShape& s) {
  Cost c;
  c.flops = 1 + s.outer * s.inner * (s.n + 1);  // one reciprocal; n adds and one scale per output
  c.bytesRead = kFloatBytes * s.outer * s.n * s.inner;
  c.bytesWritten = kFloatBytes * s.outer * s.inner;
  return c;
}

Cost meanBackwardInputCost(const MeanShape& s) {
  Cost c;
  c.flops = 1 + s.outer * s.n * s.inner;
  c.bytesRead = kFloatBytes * s.outer * s.inner;
  c.bytesWritten = kFloatBytes * s.outer * s.n * s.inner;
  return c;
}

}  // namespace sj
