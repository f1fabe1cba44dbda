#include "kernels/fft.h"

#include "kernels/cpu/lane_kernels.h"

namespace sj {

int64_t realFftScratch(const FftPlan& plan) { return 4 * plan.complexLength(); }

void realFft(const FftPlan& plan, const float* x, float* re, float* im, float* scratch) {
  const int64_t h = plan.complexLength();
  float *zr = scratch, *zi = scratch + h, *wr = scratch + 2 * h, *wi = scratch + 3 * h;
  for (int64_t j = 0; j < h; ++j) {
    zr[j] = plan.packed() ? x[2 * j] : x[j];
    zi[j] = plan.packed() ? x[2 * j + 1] : 0.f;
  }
  frontend_lanes::scalar().realFft(plan, zr, zi, wr, wi, re, im);
}

}  // namespace sj
