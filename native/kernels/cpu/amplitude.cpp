#include "kernels/amplitude.h"

#include <algorithm>

#include "kernels/cpu/lane_kernels.h"

namespace sj {

void amplitudeForward(ThreadPool& pool, const AmplitudeShape& s, const float* x, float* y) {
  const AmplitudeMap map = amplitudeMap(s);
  const float lo = map.lo, hi = map.hi;
  // Blocks of 64 elements: the vector body and its scalar tail fall on the same elements whatever
  // the thread count.
  constexpr int64_t kBlock = 64;
  const int64_t blocks = (s.size + kBlock - 1) / kBlock;
  if (!map.log) {
    pool.parallelFor(blocks, 64, [&](int64_t b0, int64_t b1) {
      for (int64_t i = b0 * kBlock; i < std::min(s.size, b1 * kBlock); ++i) {
        float v = x[i];
        if (map.clamp) {
          v = v > lo ? v : lo;  // maxOf, minOf of the reference
          v = v < hi ? v : hi;
        }
        y[i] = v;
      }
    });
    return;
  }
  const frontend_lanes::Kernels& k = frontend_lanes::active();
  pool.parallelFor(blocks, 64, [&](int64_t b0, int64_t b1) {
    const int64_t begin = b0 * kBlock, end = std::min(s.size, b1 * kBlock);
    k.logAffine(x + begin, y + begin, end - begin, map.floor, map.add, map.scale, map.clamp, lo, hi);
  });
}

}  // namespace sj
