#include "kernels/linear.h"

#include "base/error.h"
#include "core/shape_text.h"

namespace sj {

void LinearShape::validate() const {
  if (m <= 0 || k <= 0 || nout <= 0) fail(ErrorCode::Shape, "linear: dimensions must be positive, got x", dims({m, k}), " w", dims({nout, k}));
}

std::string LinearShape::describe() const {
  return "x" + dims({m, k}) + " w" + dims({nout, k}) + (bias ? " +b" : "") + " -> y" + dims({m, nout});
}

Cost linearForwardCost(const LinearShape& s) {
  Cost c;
  c.macs = s.m * s.k * s.nout;
  c.flops = 2 * c.macs + (s.bias ? s.m * s.nout : 0);
  c.bytesRead = kFloatBytes * (s.m * s.k + s.nout * s.k + (s.bias ? s.nout : 0));
  c.bytesWritten = kFloatBytes * s.m * s.nout;
  return c;
}

Cost linearBackwardInputCost(const LinearShape& s) {
  Cost c;
  c.macs = s.m * s.k * s.nout;
  c.flops = 2 * c.macs;
  c.bytesRead = kFloatBytes * (s.m * s.nout + s.nout * s.k);
  c.bytesWritten = kFloatBytes * s.m * s.k;
  return c;
}

Cost linearBackwardWeightCost(const LinearShape& s) {
  Cost c;
  c.macs = s.m * s.k * s.nout;
  c.flops = 2 * c.macs;
  c.bytesRead = kFloatBytes * (s.m * s.nout + s.m * s.k);
  c.bytesWritten = kFloatBytes * s.nout * s.k;
  return c;
}

Cost linearBackwardBiasCost(const LinearShape& s) {
  Cost c;
  c.flops = s.m * s.nout;
  c.bytesRead = kFloatBytes * s.m * s.nout;
  c.bytesWritten = kFloatBytes * s.nout;
  return c;
}

}  // namespace sj
