#include "kernels/relu.h"

#include "base/error.h"

namespace sj {

void ReluShape::validate() const {
  if (size <= 0) fail(ErrorCode::Shape, "relu: the tensor must have a positive number of elements, got ", size);
}

std::string ReluShape::describe() const { return "x[" + std::to_string(size) + "]"; }

Cost reluForwardCost(const ReluShape& s) {
  Cost c;
  c.comparisons = s.size;
  c.bytesRead = kFloatBytes * s.size;
  c.bytesWritten = kFloatBytes * s.size;
  return c;
}

Cost reluBackwardInputCost(const ReluShape& s) {
  Cost c;
  c.comparisons = s.size;
  c.bytesRead = kFloatBytes * 2 * s.size;
  c.bytesWritten = kFloatBytes * s.size;
  return c;
}

}  // namespace sj
