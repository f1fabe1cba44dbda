#include "kernels/relu.h"

namespace sj {

// Element-wise work in ranges of at least this many elements per thread.
static constexpr int64_t kGrain = 1 << 14;

void reluForward(ThreadPool& pool, const ReluShape& s, const float* x, float* y) {
  pool.parallelFor(s.size, kGrain, [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) y[i] = x[i] > 0.f ? x[i] : 0.f;
  });
}

void reluBackwardInput(ThreadPool& pool, const ReluShape& s, const float* x, const float* dy, float* dx) {
  pool.parallelFor(s.size, kGrain, [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) {
      const float g = dy[i];  // read unconditionally, so the select vectorises
      dx[i] = x[i] > 0.f ? g : 0.f;
    }
  });
}

}  // namespace sj
