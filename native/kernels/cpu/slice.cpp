#include "kernels/slice.h"

#include <algorithm>
#include <cstring>

namespace sj {

// Rows of inner contiguous values; a thread copies (or zeroes) whole rows.
void sliceForward(ThreadPool& pool, const SliceShape& s, const float* x, float* y) {
  const int64_t rows = s.outer * s.count;
  pool.parallelFor(rows, std::max<int64_t>(1, 16384 / s.inner), [&](int64_t begin, int64_t end) {
    for (int64_t r = begin; r < end; ++r) {
      const int64_t o = r / s.count, j = r % s.count;
      std::memcpy(y + r * s.inner, x + (o * s.n + s.start + j * s.step) * s.inner, sizeof(float) * static_cast<size_t>(s.inner));
    }
  });
}

void sliceBackwardInput(ThreadPool& pool, const SliceShape& s, const float* dy, float* dx) {
  const int64_t rows = s.outer * s.n;
  pool.parallelFor(rows, std::max<int64_t>(1, 16384 / s.inner), [&](int64_t begin, int64_t end) {
    for (int64_t r = begin; r < end; ++r) {
      const int64_t o = r / s.n, k = r % s.n - s.start;
      float* row = dx + r * s.inner;
      if (k >= 0 && k % s.step == 0 && k / s.step < s.count) {
        std::memcpy(row, dy + (o * s.count + k / s.step) * s.inner, sizeof(float) * static_cast<size_t>(s.inner));
      } else {
        std::fill(row, row + s.inner, 0.f);
      }
    }
  });
}

}  // namespace sj
