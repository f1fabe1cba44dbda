#include "kernels/pad_crop.h"

#include <cstring>

namespace sj {

void padForward(const PadShape& s, const float* x, float* y) {
  if (!s.inPlace) std::memcpy(y, x, sizeof(float) * s.samples);
  std::memset(y + s.samples, 0, sizeof(float) * (s.length - s.samples));
}

void frameCropForward(ThreadPool& pool, const FrameCropShape& s, const float* x, float* y) {
  const int64_t kept = s.kept();
  pool.parallelFor(s.rows, 16, [&](int64_t begin, int64_t end) {
    for (int64_t r = begin; r < end; ++r) {
      std::memcpy(y + r * s.keep, x + r * s.frames, sizeof(float) * kept);
      std::memset(y + r * s.keep + kept, 0, sizeof(float) * (s.keep - kept));
    }
  });
}

}  // namespace sj
