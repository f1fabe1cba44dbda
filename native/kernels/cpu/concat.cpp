#include "kernels/concat.h"

#include <algorithm>
#include <cstring>

namespace sj {
namespace {

constexpr int64_t kGrain = 1 << 14;

// Copies rows of part * inner contiguous values between the slice and the whole.
template <bool intoWhole>
void copySlices(ThreadPool& pool, const ConcatShape& s, const float* from, float* to) {
  const int64_t row = s.part * s.inner;
  pool.parallelFor(s.outer, std::max<int64_t>(1, kGrain / row), [&](int64_t begin, int64_t end) {
    for (int64_t o = begin; o < end; ++o) {
      const int64_t whole = (o * s.total + s.offset) * s.inner, slice = o * row;
      if (intoWhole) std::memcpy(to + whole, from + slice, static_cast<size_t>(row) * sizeof(float));
      else std::memcpy(to + slice, from + whole, static_cast<size_t>(row) * sizeof(float));
    }
  });
}

}  // namespace

void concatForward(ThreadPool& pool, const ConcatShape& s, const float* x, float* y) { copySlices<true>(pool, s, x, y); }

void concatBackwardInput(ThreadPool& pool, const ConcatShape& s, const float* dy, float* dx) { copySlices<false>(pool, s, dy, dx); }

}  // namespace sj
