#include "kernels/matmul.h"

#include <vector>

#include "kernels/cuda/gemm_tile.cuh"

namespace sj::cuda {
namespace {

// C row-major with leading dimension ldc, the product added to what C holds: the further terms of a
// broadcast operand's gradient (the launches run in order on one stream, so the sum's order is fixed).
struct RowMajorAddStore {
  float* out = nullptr;
  int ldc = 0;

  __device__ __forceinline__ void store(int m, int n, gemm::Run4 v, int count) const {
    float* row = out + static_cast<int64_t>(m) * ldc + n;
#pragma unroll
    for (int c = 0; c < 4; ++c)
      if (c < count) row[c] += v.v[c];
  }
};

void requireIndexable(const char* kernel, const MatmulShape& s) {
  gemm::requireIndexable(kernel, "a", s.sizeA());
  gemm::requireIndexable(kernel, "b", s.sizeB());
  gemm::requireIndexable(kernel, "y", s.sizeY());
}

}  // namespace

// y[i] (M x N) = a[ia(i)] (M x K) . b[ib(i)] (K x N)
void matmulForward(CudaStream stream, const MatmulShape& s, const float* a, const float* b, float* y) {
  requireIndexable("matmulForward", s);
  for (int64_t i = 0; i < s.batches(); ++i) {
    gemm::run("matmulForward", stream, s.m, s.n, s.k, gemm::rowsOf(a + s.offsetA(i), s.m, s.k), gemm::columnsOf(b + s.offsetB(i), s.k, s.n),
              gemm::rowMajor(y + i * s.m * s.n, s.n));
  }
}

void matmulBackward(CudaStream stream, const MatmulShape& s, BinarySide side, const float* a, const float* b, const float* dy, float* d) {
  requireIndexable("matmulBackward", s);
  const bool first = side == BinarySide::A;
  std::vector<bool> written(static_cast<size_t>(s.batch.sizeOf(side)), false);
  for (int64_t i = 0; i < s.batches(); ++i) {
    const int64_t j = broadcastOffset(s.batch, s.batch.dimsOf(side), i);
    const bool add = written[static_cast<size_t>(j)];
    written[static_cast<size_t>(j)] = true;
    const float* dyi = dy + i * s.m * s.n;
    if (first) {
      // da[j] (M x K) = dy[i] (M x N) . b[ib(i)]^T (N x K): GEMM m = M, n = K, k = N
      float* dj = d + j * s.m * s.k;
      const auto lhs = gemm::rowsOf(dyi, s.m, s.n);
      const auto rhs = gemm::rowsOf(b + s.offsetB(i), s.k, s.n);
      if (add) gemm::run("matmulBackward", stream, s.m, s.k, s.n, lhs, rhs, RowMajorAddStore{dj, static_cast<int>(s.k)});
      else gemm::run("matmulBackward", stream, s.m, s.k, s.n, lhs, rhs, gemm::rowMajor(dj, s.k));
    } else {
      // db[j] (K x N) = a[ia(i)]^T (K x M) . dy[i] (M x N): GEMM m = K, n = N, k = M
      float* dj = d + j * s.k * s.n;
      const auto lhs = gemm::columnsOf(a + s.offsetA(i), s.m, s.k);
      const auto rhs = gemm::columnsOf(dyi, s.m, s.n);
      if (add) gemm::run("matmulBackward", stream, s.k, s.n, s.m, lhs, rhs, RowMajorAddStore{dj, static_cast<int>(s.n)});
      else gemm::run("matmulBackward", stream, s.k, s.n, s.m, lhs, rhs, gemm::rowMajor(dj, s.n));
    }
  }
}

}  // namespace sj::cuda
