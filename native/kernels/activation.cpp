#include "kernels/activation.h"

#include <cmath>
#include <sstream>

#include "base/error.h"

namespace sj {

void ActivationShape::validate() const {
  const char* name = activationRule(kind).name;
  if (size <= 0) fail(ErrorCode::Shape, name, ": the tensor must have elements, got ", size);
  switch (kind) {
    case ActivationKind::Hardsigmoid:
      if (!std::isfinite(a) || !std::isfinite(b)) fail(ErrorCode::Value, name, ": alpha and beta must be finite, got ", a, " and ", b);
      break;
    case ActivationKind::Clip:
      if (std::isnan(a) || std::isnan(b) || !(a <= b)) fail(ErrorCode::Value, name, ": min must not exceed max, got min ", a, " and max ", b);
      break;
    case ActivationKind::LeakyRelu:
      if (!std::isfinite(a)) fail(ErrorCode::Value, name, ": slope must be finite, got ", a);
      break;
    default: break;
  }
}

std::string ActivationShape::describe() const {
  std::ostringstream text;
  text << "x[" << size << "]";
  switch (kind) {
    case ActivationKind::Hardsigmoid: text << " alpha=" << a << " beta=" << b; break;
    case ActivationKind::Clip: text << " min=" << a << " max=" << b; break;
    case ActivationKind::LeakyRelu: text << " slope=" << a; break;
    default: break;
  }
  return text.str();
}

namespace {
Cost perElement(const ActivationOps& ops, int64_t size, int64_t tensorsRead) {
  Cost c;
  c.flops = ops.flops * size;
  c.transcendentals = ops.transcendentals * size;
  c.comparisons = ops.comparisons * size;
  c.bytesRead = kFloatBytes * tensorsRead * size;
  c.bytesWritten = kFloatBytes * size;
  return c;
}
}  // namespace

Cost activationForwardCost(const ActivationShape& s) { return perElement(activationRule(s.kind).forward, s.size, 1); }

Cost activationBackwardInputCost(const ActivationShape& s) { return perElement(activationRule(s.kind).backward, s.size, 2); }  // x, dy

}  // namespace sj
