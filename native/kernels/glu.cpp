#include "kernels/glu.h"

#include "base/error.h"
#include "core/shape_text.h"

namespace sj {

void GluShape::validate() const {
  auto positive = [](const char* name, int64_t v) {
    if (v <= 0) fail(ErrorCode::Shape, "glu: ", name, " must be positive, got ", v);
  };
  positive("batch", n);
  positive("channels", c);
  positive("height", h);
  positive("width", w);
}

std::string GluShape::describe() const {
  return "x" + dims({n, c, h, w}) + " w" + dims({c, c}) + (bias ? " +b" : "") + " -> y" + dims({n, c, h, w});
}

Cost gluForwardCost(const GluShape& s) {
  const int64_t e = s.size();
  Cost c;
  c.macs = e * s.c;
  c.flops = 2 * c.macs + (s.bias ? e : 0) + kSigmoidFlops * e + e;  // MACs, bias, sigmoid, y = lin * sig
  c.transcendentals = kSigmoidTranscendentals * e;
  c.comparisons = kSigmoidComparisons * e;
  c.bytesRead = kFloatBytes * (e + s.weightSize() + (s.bias ? s.c : 0));
  c.bytesWritten = kFloatBytes * 3 * e;  // lin, sig, y
  return c;
}

Cost gluBackwardInputCost(const GluShape& s) {
  const int64_t e = s.size();
  Cost c;
  c.macs = e * s.c;
  c.flops = 2 * c.macs + 4 * e;  // g = dy * sig; g * lin * (1 - sig)
  c.bytesRead = kFloatBytes * (3 * e + s.weightSize());  // dy, lin, sig, w
  c.bytesWritten = kFloatBytes * e;
  return c;
}

Cost gluBackwardWeightCost(const GluShape& s) {
  const int64_t e = s.size();
  Cost c;
  c.macs = e * s.c;
  c.flops = 2 * c.macs + e;                   // g = dy * sig
  c.bytesRead = kFloatBytes * 3 * e;          // dy, sig, x
  c.bytesWritten = kFloatBytes * s.weightSize();
  return c;
}

Cost gluBackwardBiasCost(const GluShape& s) {
  const int64_t e = s.size();
  Cost c;
  c.macs = e;  // sum of dy * sig
  c.flops = 2 * e;
  c.bytesRead = kFloatBytes * 2 * e;  // dy, sig
  c.bytesWritten = kFloatBytes * s.c;
  return c;
}

}  // namespace sj
