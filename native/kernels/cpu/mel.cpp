#include "kernels/mel.h"

#include <algorithm>

namespace sj {

void melForward(ThreadPool& pool, const MelShape& s, const float* weights, const float* spec, float* y) {
  const MelFilterbank& fb = *s.filters;
  const int64_t frames = s.frames;
  constexpr int64_t kBlock = 256;  // frames per block: one filter's rows of a block stay in L1
  const int64_t blocks = (frames + kBlock - 1) / kBlock;
  pool.parallelFor(blocks, 1, [&](int64_t b0, int64_t b1) {
    for (int64_t b = b0; b < b1; ++b) {
      const int64_t f0 = b * kBlock, width = std::min(kBlock, frames - f0);
      for (int64_t m = 0; m < fb.mels; ++m) {
        float* __restrict out = y + m * frames + f0;
        for (int64_t f = 0; f < width; ++f) out[f] = 0.f;
        const float* w = weights + fb.offset[m];
        for (int64_t j = 0; j < fb.count[m]; ++j) {
          const float* __restrict row = spec + (fb.first[m] + j) * frames + f0;
          const float wj = w[j];
          for (int64_t f = 0; f < width; ++f) out[f] += wj * row[f];
        }
      }
    }
  });
}

}  // namespace sj
