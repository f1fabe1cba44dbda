#include "kernels/concat.h"

#include "base/error.h"

namespace sj {

void ConcatShape::validate() const {
  if (outer <= 0 || part <= 0 || inner <= 0 || offset < 0 || offset + part > total) {
    fail(ErrorCode::Shape, "concat: ", describe(), " is not a slice of the output (sizes must be positive, offset + part <= total)");
  }
}

std::string ConcatShape::describe() const {
  return "x[" + std::to_string(outer) + "," + std::to_string(part) + "," + std::to_string(inner) + "] -> y[" + std::to_string(outer) + "," +
         std::to_string(total) + "," + std::to_string(inner) + "] at " + std::to_string(offset);
}

Cost concatForwardCost(const ConcatShape& s) {
  Cost c;
  c.bytesRead = kFloatBytes * s.sliceSize();
  c.bytesWritten = kFloatBytes * s.sliceSize();
  return c;
}

Cost concatBackwardInputCost(const ConcatShape& s) { return concatForwardCost(s); }

}  // namespace sj
