#include "kernels/slice.h"

#include <algorithm>

#include "base/error.h"
#include "core/shape_text.h"

namespace sj {

SliceShape sliceShape(int64_t outer, int64_t n, int64_t inner, int64_t start, int64_t end, int64_t step) {
  if (step <= 0) fail(ErrorCode::Value, "slice: step ", step, " must be positive");
  // ONNX: a negative index counts from the end; then both are clamped to [0, n].
  auto resolve = [n](int64_t index) { return std::clamp<int64_t>(index < 0 ? std::max<int64_t>(index, -n) + n : index, 0, n); };
  const int64_t first = resolve(start), last = resolve(end);
  SliceShape s;
  s.outer = outer, s.n = n, s.inner = inner, s.start = first, s.step = step;
  s.count = last > first ? (last - first + step - 1) / step : 0;
  if (s.count == 0) fail(ErrorCode::Shape, "slice: [", start, ":", end, ":", step, "] of an axis of ", n, " is empty");
  s.validate();
  return s;
}

void SliceShape::validate() const {
  const bool ok = outer > 0 && n > 0 && inner > 0 && step > 0 && count > 0 && start >= 0 && start + (count - 1) * step < n;
  if (!ok) fail(ErrorCode::Shape, "slice: ", describe(), " is not a slice of the axis");
}

std::string SliceShape::describe() const {
  return "x" + dims({outer, n, inner}) + " [" + std::to_string(start) + "::" + std::to_string(step) + "] x " + std::to_string(count) + " -> y" +
         dims({outer, count, inner});
}

Cost sliceForwardCost(const SliceShape& s) {
  Cost c;
  c.bytesRead = kFloatBytes * s.outputSize();  // only the elements taken
  c.bytesWritten = kFloatBytes * s.outputSize();
  return c;
}

Cost sliceBackwardInputCost(const SliceShape& s) {
  Cost c;
  c.bytesRead = kFloatBytes * s.outputSize();
  c.bytesWritten = kFloatBytes * s.inputSize();
  return c;
}

}  // namespace sj
