#include "kernels/dropout.h"

#include <cmath>
#include <sstream>

#include "base/error.h"

namespace sj {

void DropoutShape::validate() const {
  if (size <= 0) fail(ErrorCode::Shape, "dropout: the tensor must have a positive number of elements, got ", size);
  if (!(p >= 0.0 && p < 1.0)) fail(ErrorCode::Value, "dropout: probability p must be in [0, 1), got ", p);
}

std::string DropoutShape::describe() const {
  std::ostringstream text;
  text << "x[" << size << "] p=" << p;
  return text.str();
}

double DropoutShape::keepThreshold() const {
  const double steps = static_cast<double>(1u << kUniformBits);
  return std::ceil(p * steps) / steps;  // both operations exact: scaling by a power of two
}

Cost dropoutForwardCost(const DropoutShape& s) {
  Cost c;
  c.flops = s.size;        // x * mask
  c.comparisons = s.size;  // u >= p, selecting the scale or 0
  c.bytesRead = kFloatBytes * s.size;
  c.bytesWritten = kFloatBytes * 2 * s.size;  // y and mask
  return c;
}

Cost dropoutBackwardInputCost(const DropoutShape& s) {
  Cost c;
  c.flops = s.size;
  c.bytesRead = kFloatBytes * 2 * s.size;
  c.bytesWritten = kFloatBytes * s.size;
  return c;
}

}  // namespace sj
