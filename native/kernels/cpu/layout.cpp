#include "kernels/layout.h"

#include <cstring>

namespace sj {

void permuteForward(ThreadPool& pool, const PermuteShape& s, const float* x, float* y) {
  const std::vector<int64_t> src = permuteSourceOffsets(s);
  const int64_t size = s.sampleSize();
  pool.parallelFor(s.n, 1, [&](int64_t begin, int64_t end) {
    for (int64_t n = begin; n < end; ++n) {
      const float* in = x + n * size;
      float* out = y + n * size;
      for (int64_t i = 0; i < size; ++i) out[i] = in[src[i]];
    }
  });
}

void permuteBackwardInput(ThreadPool& pool, const PermuteShape& s, const float* dy, float* dx) {
  const std::vector<int64_t> src = permuteSourceOffsets(s);
  const int64_t size = s.sampleSize();
  pool.parallelFor(s.n, 1, [&](int64_t begin, int64_t end) {
    for (int64_t n = begin; n < end; ++n) {
      const float* in = dy + n * size;
      float* out = dx + n * size;
      for (int64_t i = 0; i < size; ++i) out[src[i]] = in[i];
    }
  });
}

void lastStepForward(ThreadPool&, const LastStepShape& s, const float* x, float* y) {
  for (int64_t n = 0; n < s.n; ++n) std::memcpy(y + n * s.f, x + (n * s.t + s.t - 1) * s.f, s.f * sizeof(float));
}

void lastStepBackwardInput(ThreadPool&, const LastStepShape& s, const float* dy, float* dx) {
  for (int64_t n = 0; n < s.n; ++n) {
    std::memset(dx + n * s.t * s.f, 0, (s.t - 1) * s.f * sizeof(float));
    std::memcpy(dx + (n * s.t + s.t - 1) * s.f, dy + n * s.f, s.f * sizeof(float));
  }
}

}  // namespace sj
