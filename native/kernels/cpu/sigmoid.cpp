#include "kernels/cpu/sigmoid.h"

#include <cmath>

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

namespace {
constexpr int64_t kGrain = 1 << 14;  // elements per task at least: smaller calls run inline
}

void sigmoidForward(ThreadPool& pool, const SigmoidShape& s, const float* x, float* y) {
  pool.parallelFor(s.size, kGrain, [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) y[i] = sigmoidOf(x[i]);
  });
}

void sigmoidBackwardInput(ThreadPool& pool, const SigmoidShape& s, const float* y, const float* dy, float* dx) {
  pool.parallelFor(s.size, kGrain, [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) dx[i] = dy[i] * (y[i] * (1.0f - y[i]));
  });
}

}  // namespace sj
