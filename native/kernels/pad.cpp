#include "kernels/pad.h"

#include "base/error.h"
#include "core/shape_text.h"

namespace sj {

ConstantPadShape constantPadShape(const std::vector<int64_t>& x, const std::vector<int64_t>& begin, const std::vector<int64_t>& end, float value) {
  if (x.empty() || x.size() > static_cast<size_t>(kConstantPadMaxRank) || begin.size() != x.size() || end.size() != x.size()) {
    fail(ErrorCode::Shape, "pad: ", dims(x), " needs one begin and one end pad per axis (rank 1 to ", kConstantPadMaxRank, "), got ", dims(begin), " and ",
         dims(end));
  }
  ConstantPadShape s;
  s.rank = static_cast<int>(x.size());
  s.value = value;
  for (int d = 0; d < s.rank; ++d) {
    if (begin[d] < 0 || end[d] < 0) fail(ErrorCode::Value, "pad: pads ", dims(begin), " and ", dims(end), " must not be negative (axis ", d, ")");
    s.x[d] = x[d], s.begin[d] = begin[d], s.y[d] = begin[d] + x[d] + end[d];
  }
  s.validate();
  return s;
}

void ConstantPadShape::validate() const {
  if (rank < 1 || rank > kConstantPadMaxRank) fail(ErrorCode::Shape, "pad: rank ", rank, " is outside 1..", kConstantPadMaxRank);
  for (int d = 0; d < rank; ++d)
    if (x[d] <= 0 || begin[d] < 0 || y[d] < begin[d] + x[d]) fail(ErrorCode::Shape, "pad: ", describe(), ": axis ", d, " does not hold x");
}

std::string ConstantPadShape::describe() const {
  return "x" + dims(std::vector<int64_t>(x, x + rank)) + " at " + dims(std::vector<int64_t>(begin, begin + rank)) + " -> y" +
         dims(std::vector<int64_t>(y, y + rank)) + " value " + std::to_string(value);
}

Cost constantPadForwardCost(const ConstantPadShape& s) {
  Cost c;
  c.bytesRead = kFloatBytes * s.inputSize();
  c.bytesWritten = kFloatBytes * s.outputSize();
  return c;
}

Cost constantPadBackwardInputCost(const ConstantPadShape& s) {
  Cost c;
  c.bytesRead = kFloatBytes * s.inputSize();  // only the elements of dy that x feeds
  c.bytesWritten = kFloatBytes * s.inputSize();
  return c;
}

}  // namespace sj
