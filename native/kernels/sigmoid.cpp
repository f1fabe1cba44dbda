#include "kernels/sigmoid.h"

#include "base/error.h"

namespace sj {

void SigmoidShape::validate() const {
  if (size <= 0) fail(ErrorCode::Shape, "sigmoid: the tensor must have elements, got ", size);
}

std::string SigmoidShape::describe() const { return "x[" + std::to_string(size) + "]"; }

Cost sigmoidForwardCost(const SigmoidShape& s) {
  Cost c;
  c.flops = kSigmoidFlops * s.size;
  c.transcendentals = kSigmoidTranscendentals * s.size;
  c.comparisons = kSigmoidComparisons * s.size;
  c.bytesRead = kFloatBytes * s.size;
  c.bytesWritten = kFloatBytes * s.size;
  return c;
}

Cost sigmoidBackwardInputCost(const SigmoidShape& s) {
  Cost c;
  c.flops = 3 * s.size;
  c.bytesRead = kFloatBytes * 2 * s.size;  // y, dy
  c.bytesWritten = kFloatBytes * s.size;
  return c;
}

}  // namespace sj
