// Batched matrix product with numpy broadcasting over the leading (batch) dimensions, forward and
// backward: numpy.matmul / torch.matmul / ONNX MatMul for operands of rank 2 or more.
//
//   a   [A..., M, K]   A...: batch dimensions, each Y's or 1 (a 1 repeats the matrix)
//   b   [B..., K, N]   likewise
//   y   [Y..., M, N]   y[i] = a[ia(i)] . b[ib(i)] for every batch index i of Y...
//   dy  [Y..., M, N]   gradient of the loss with respect to y
//   da  [A..., M, K]   da[j] = sum over the i with ia(i) = j of dy[i] . b[ib(i)]^T
//   db  [B..., K, N]   db[j] = sum over the i with ib(i) = j of a[ia(i)]^T . dy[i]
//
// The batch dimensions are those of binary.h (BinaryShape, whole tensors, right-aligned by the
// caller), so the broadcast offsets are that file's. Per batch index of Y: the forward and each
// gradient M*N*K MACs (a broadcast operand's gradient sums its fan-out by continuing the same
// accumulation, so no extra adds).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "core/cost.h"
#include "core/thread_pool.h"
#include "cuda/cuda_stream.h"
#include "kernels/binary.h"
#include "kernels/scalar_math.h"

namespace sj {

struct MatmulShape {
  BinaryShape batch;  // the batch dimensions of a, b and y
  int64_t m = 1, k = 1, n = 1;

  void validate() const;  // E_SHAPE naming the offending dimension
  std::string describe() const;
  int64_t batches() const { return batch.size(); }
  int64_t sizeA() const { return batch.sizeOf(BinarySide::A) * m * k; }
  int64_t sizeB() const { return batch.sizeOf(BinarySide::B) * k * n; }
  int64_t sizeY() const { return batch.size() * m * n; }
  // Element offsets of the matrices of a and b that batch index i of y multiplies.
  int64_t offsetA(int64_t i) const { return broadcastOffset(batch, batch.a, i) * m * k; }
  int64_t offsetB(int64_t i) const { return broadcastOffset(batch, batch.b, i) * k * n; }
};

// The shape of a . b for whole tensors of one rank (at least 2; the last two dimensions are the
// matrices'); E_SHAPE when the inner dimensions differ or the batch dimensions do not broadcast.
MatmulShape matmulShape(const std::vector<int64_t>& a, const std::vector<int64_t>& b);

Cost matmulForwardCost(const MatmulShape& s);
Cost matmulBackwardCost(const MatmulShape& s, BinarySide side);

// ---- reference loops -------------------------------------------------------------------------

template <class T>
void matmulForwardReference(const MatmulShape& s, const T* a, const T* b, T* y) {
  for (int64_t i = 0; i < s.batches(); ++i) {
    const T* ai = a + s.offsetA(i);
    const T* bi = b + s.offsetB(i);
    T* yi = y + i * s.m * s.n;
    for (int64_t m = 0; m < s.m; ++m)
      for (int64_t n = 0; n < s.n; ++n) {
        T acc = T(0);
        for (int64_t k = 0; k < s.k; ++k) acc = mac(acc, ai[m * s.k + k], bi[k * s.n + n]);
        yi[m * s.n + n] = acc;
      }
  }
}

// da = sum of dy . b^T (side A), db = sum of a^T . dy (side B), over the batch indices each feeds.
template <class T>
void matmulBackwardReference(const MatmulShape& s, BinarySide side, const T* a, const T* b, const T* dy, T* d) {
  const int64_t size = side == BinarySide::A ? s.sizeA() : s.sizeB();
  for (int64_t j = 0; j < size; ++j) d[j] = T(0);
  for (int64_t i = 0; i < s.batches(); ++i) {
    const T* dyi = dy + i * s.m * s.n;
    if (side == BinarySide::A) {
      const T* bi = b + s.offsetB(i);
      T* di = d + s.offsetA(i);
      for (int64_t m = 0; m < s.m; ++m)
        for (int64_t k = 0; k < s.k; ++k) {
          T acc = di[m * s.k + k];
          for (int64_t n = 0; n < s.n; ++n) acc = mac(acc, dyi[m * s.n + n], bi[k * s.n + n]);
          di[m * s.k + k] = acc;
        }
    } else {
      const T* ai = a + s.offsetA(i);
      T* di = d + s.offsetB(i);
      for (int64_t k = 0; k < s.k; ++k)
        for (int64_t n = 0; n < s.n; ++n) {
          T acc = di[k * s.n + n];
          for (int64_t m = 0; m < s.m; ++m) acc = mac(acc, ai[m * s.k + k], dyi[m * s.n + n]);
          di[k * s.n + n] = acc;
        }
    }
  }
}

// ---- CPU kernels (kernels/cpu/matmul.cpp) --------------------------------------------------------
// One GEMM (kernels/cpu/gemm.h) per batch index of y; a broadcast operand's gradient accumulates
// its fan-out in batch order, so results do not depend on the thread count.

void matmulForward(ThreadPool& pool, const MatmulShape& s, const float* a, const float* b, float* y);
// Writes d (da or db); reads the other operand and dy.
void matmulBackward(ThreadPool& pool, const MatmulShape& s, BinarySide side, const float* a, const float* b, const float* dy, float* d);

// ---- CUDA kernels (kernels/cuda/matmul.cu) -------------------------------------------------------
// One launch of the tiled SGEMM core (kernels/cuda/gemm_tile.cuh) per batch index of y, in order on
// the stream: a broadcast operand's gradient adds each further term in a plain epilogue (no atomics).

namespace cuda {

void matmulForward(CudaStream stream, const MatmulShape& s, const float* a, const float* b, float* y);
void matmulBackward(CudaStream stream, const MatmulShape& s, BinarySide side, const float* a, const float* b, const float* dy, float* d);

}  // namespace cuda

}  // namespace sj
