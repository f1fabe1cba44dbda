#include "kernels/dropout.h"

namespace sj {

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
