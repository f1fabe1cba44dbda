#include "kernels/cpu/dropout.h"

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

namespace {

constexpr int64_t kGrain = 1 << 14;

// Elements [begin, end) of the forward pass, with everything in registers. Two loops: the scalar
// hash, then the keep test, which the compiler turns into vector selects (a branch on random data
// would be mispredicted half the time).
void dropoutRange(uint64_t seed, float threshold, float scale, int64_t begin, int64_t end, const float* x, float* mask, float* y) {
  for (int64_t i = begin; i < end; ++i) mask[i] = uniformFloat(seed, static_cast<uint64_t>(i));
  for (int64_t i = begin; i < end; ++i) {
    const float m = mask[i] >= threshold ? scale : 0.f;
    mask[i] = m;
    y[i] = x[i] * m;
  }
}

}  // namespace

void dropoutForward(ThreadPool& pool, const DropoutShape& s, uint64_t seed, const float* x, float* mask, float* y) {
  const float threshold = static_cast<float>(s.keepThreshold()), scale = static_cast<float>(s.keepScale());
  pool.parallelFor(s.size, kGrain,
                   [&](int64_t begin, int64_t end) { dropoutRange(seed, threshold, scale, begin, end, x, mask, y); });
}

void dropoutBackwardInput(ThreadPool& pool, const DropoutShape& s, const float* dy, const float* mask, float* dx) {
  pool.parallelFor(s.size, kGrain, [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) dx[i] = dy[i] * mask[i];
  });
}

}  // namespace sj
