#include "kernels/cpu/add.h"

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

void addForward(ThreadPool& pool, const AddShape& s, const float* a, const float* b, float* y) {
  pool.parallelFor(s.size, 1 << 14, [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) y[i] = a[i] + b[i];
  });
}

}  // namespace sj
