#include "kernels/pad.h"

#include <algorithm>

namespace sj {

namespace {
constexpr int64_t kGrain = 1 << 14;
}  // namespace

void constantPadForward(ThreadPool& pool, const ConstantPadShape& s, const float* x, float* y) {
  pool.parallelFor(s.outputSize(), kGrain, [&](int64_t begin, int64_t end) {
    for (int64_t e = begin; e < end; ++e) {
      const int64_t from = constantPadSource(s, e);
      y[e] = from < 0 ? s.value : x[from];
    }
  });
}

void constantPadBackwardInput(ThreadPool& pool, const ConstantPadShape& s, const float* dy, float* dx) {
  pool.parallelFor(s.inputSize(), kGrain, [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) dx[i] = dy[constantPadTarget(s, i)];
  });
}

}  // namespace sj
