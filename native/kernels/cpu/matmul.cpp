#include "kernels/matmul.h"

#include <vector>

#include "kernels/cpu/gemm.h"

namespace sj {

void matmulForward(ThreadPool& pool, const MatmulShape& s, const float* a, const float* b, float* y) {
  // y[i] (M x N) = a[ia(i)] (M x K) . b[ib(i)] (K x N)
  for (int64_t i = 0; i < s.batches(); ++i) {
    gemmBestOrientation(pool, rowMajor(a + s.offsetA(i), s.m, s.k), rowMajor(b + s.offsetB(i), s.k, s.n), rowMajor(y + i * s.m * s.n, s.m, s.n),
                        Accumulate::Overwrite);
  }
}

void matmulBackward(ThreadPool& pool, const MatmulShape& s, BinarySide side, const float* a, const float* b, const float* dy, float* d) {
  // The first term of each operand matrix overwrites it, the further ones (a broadcast operand) add.
  const bool first = side == BinarySide::A;
  std::vector<bool> written(static_cast<size_t>(s.batch.sizeOf(side)), false);
  for (int64_t i = 0; i < s.batches(); ++i) {
    const int64_t j = broadcastOffset(s.batch, s.batch.dimsOf(side), i);
    const Accumulate mode = written[static_cast<size_t>(j)] ? Accumulate::Add : Accumulate::Overwrite;
    written[static_cast<size_t>(j)] = true;
    const float* dyi = dy + i * s.m * s.n;
    if (first) {
      // da[j] (M x K) += dy[i] (M x N) . b[ib(i)]^T (N x K)
      gemmBestOrientation(pool, rowMajor(dyi, s.m, s.n), rowMajor(b + s.offsetB(i), s.k, s.n).transposed(), rowMajor(d + j * s.m * s.k, s.m, s.k), mode);
    } else {
      // db[j] (K x N) += a[ia(i)]^T (K x M) . dy[i] (M x N)
      gemmBestOrientation(pool, rowMajor(a + s.offsetA(i), s.m, s.k).transposed(), rowMajor(dyi, s.m, s.n), rowMajor(d + j * s.k * s.n, s.k, s.n), mode);
    }
  }
}

}  // namespace sj
