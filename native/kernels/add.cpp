#include "kernels/add.h"

#include "base/error.h"

namespace sj {

void AddShape::validate() const {
  if (size <= 0) fail(ErrorCode::Shape, "add: the inputs must have elements, got ", size);
}

std::string AddShape::describe() const { return "a[" + std::to_string(size) + "] + b[" + std::to_string(size) + "]"; }

Cost addForwardCost(const AddShape& s) {
  Cost c;
  c.flops = s.size;
  c.bytesRead = kFloatBytes * 2 * s.size;
  c.bytesWritten = kFloatBytes * s.size;
  return c;
}

}  // namespace sj
