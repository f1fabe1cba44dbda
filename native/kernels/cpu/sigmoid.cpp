#include "kernels/sigmoid.h"

#include "kernels/cpu/vector_math.h"

namespace sj {

namespace {
constexpr int64_t kGrain = 1 << 14;  // elements per task at least: smaller calls run inline
}

void sigmoidForward(ThreadPool& pool, const SigmoidShape& s, const float* x, float* y) {
  const vector_math::Kernels& math = vector_math::active();
  pool.parallelFor(s.size, kGrain, [&](int64_t begin, int64_t end) { math.sigmoid(x + begin, y + begin, end - begin); });
}

void sigmoidBackwardInput(ThreadPool& pool, const SigmoidShape& s, const float* y, const float* dy, float* dx) {
  pool.parallelFor(s.size, kGrain, [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) dx[i] = dy[i] * (y[i] * (1.0f - y[i]));
  });
}

}  // namespace sj
