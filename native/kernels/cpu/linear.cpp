#include "kernels/linear.h"

#include "kernels/cpu/gemm.h"

namespace sj {

void linearForward(ThreadPool& pool, const LinearShape& s, const float* x, const float* w, const float* b, float* y) {
  // y = x . w^T
  gemmBestOrientation(pool, rowMajor(x, s.m, s.k), rowMajor(w, s.nout, s.k).transposed(), rowMajor(y, s.m, s.nout), Accumulate::Overwrite);
  if (!s.bias) return;
  for (int64_t m = 0; m < s.m; ++m)
    for (int64_t o = 0; o < s.nout; ++o) y[m * s.nout + o] += b[o];
}

void linearBackwardInput(ThreadPool& pool, const LinearShape& s, const float* dy, const float* w, float* dx) {
  // dx = dy . w
  gemmBestOrientation(pool, rowMajor(dy, s.m, s.nout), rowMajor(w, s.nout, s.k), rowMajor(dx, s.m, s.k), Accumulate::Overwrite);
}

void linearBackwardWeight(ThreadPool& pool, const LinearShape& s, const float* dy, const float* x, float* dw) {
  // dw = dy^T . x
  gemmBestOrientation(pool, rowMajor(dy, s.m, s.nout).transposed(), rowMajor(x, s.m, s.k), rowMajor(dw, s.nout, s.k), Accumulate::Overwrite);
}

void linearBackwardBias(ThreadPool& pool, const LinearShape& s, const float* dy, float* db) {
  pool.parallelFor(s.nout, 64, [&](int64_t begin, int64_t end) {
    for (int64_t o = begin; o < end; ++o) {
      double acc = 0.0;
      for (int64_t m = 0; m < s.m; ++m) acc += dy[m * s.nout + o];
      db[o] = static_cast<float>(acc);
    }
  });
}

}  // namespace sj
