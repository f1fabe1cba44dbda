// Fully connected layer over the last dimension, forward and backward.
//
//   x  [M][K]      M = product of the leading dimensions (batch, or batch x time)
//   w  [Nout][K]   weight (PyTorch layout)
//   b  [Nout]      bias (optional)
//   y  [M][Nout]   y = x . w^T + b
#pragma once
#include <cstdint>
#include <string>

#include "core/cost.h"
#include "core/thread_pool.h"
#include "cuda/cuda_stream.h"
#include "kernels/scalar_math.h"

namespace sj {

struct LinearShape {
  int64_t m = 1, k = 1, nout = 1;
  bool bias = true;

  void validate() const;
  std::string describe() const;
};

Cost linearForwardCost(const LinearShape& s);
Cost linearBackwardInputCost(const LinearShape& s);
Cost linearBackwardWeightCost(const LinearShape& s);
Cost linearBackwardBiasCost(const LinearShape& s);

// ---- reference loops -------------------------------------------------------------------------

template <class T>
void linearForwardReference(const LinearShape& s, const T* x, const T* w, const T* b, T* y) {
  for (int64_t m = 0; m < s.m; ++m)
    for (int64_t o = 0; o < s.nout; ++o) {
      T acc = T(0);
      for (int64_t k = 0; k < s.k; ++k) acc = mac(acc, x[m * s.k + k], w[o * s.k + k]);
      y[m * s.nout + o] = s.bias ? acc + b[o] : acc;
    }
}

// dx = dy . w
template <class T>
void linearBackwardInputReference(const LinearShape& s, const T* dy, const T* w, T* dx) {
  for (int64_t m = 0; m < s.m; ++m)
    for (int64_t k = 0; k < s.k; ++k) {
      T acc = T(0);
      for (int64_t o = 0; o < s.nout; ++o) acc = mac(acc, dy[m * s.nout + o], w[o * s.k + k]);
      dx[m * s.k + k] = acc;
    }
}

// dw = dy^T . x
template <class T>
void linearBackwardWeightReference(const LinearShape& s, const T* dy, const T* x, T* dw) {
  for (int64_t o = 0; o < s.nout; ++o)
    for (int64_t k = 0; k < s.k; ++k) {
      T acc = T(0);
      for (int64_t m = 0; m < s.m; ++m) acc = mac(acc, dy[m * s.nout + o], x[m * s.k + k]);
      dw[o * s.k + k] = acc;
    }
}

// db = column sums of dy
template <class T>
void linearBackwardBiasReference(const LinearShape& s, const T* dy, T* db) {
  for (int64_t o = 0; o < s.nout; ++o) {
    T acc = T(0);
    for (int64_t m = 0; m < s.m; ++m) acc = acc + dy[m * s.nout + o];
    db[o] = acc;
  }
}

// ---- CPU kernels (kernels/cpu/linear.cpp) --------------------------------------------------------

void linearForward(ThreadPool& pool, const LinearShape& s, const float* x, const float* w, const float* b, float* y);
void linearBackwardInput(ThreadPool& pool, const LinearShape& s, const float* dy, const float* w, float* dx);
void linearBackwardWeight(ThreadPool& pool, const LinearShape& s, const float* dy, const float* x, float* dw);
void linearBackwardBias(ThreadPool& pool, const LinearShape& s, const float* dy, float* db);

// ---- CUDA kernels (kernels/cuda/linear.cu) -------------------------------------------------------
// On the tiled SGEMM core of kernels/cuda/gemm_tile.cuh.

namespace cuda {

void linearForward(CudaStream stream, const LinearShape& s, const float* x, const float* w, const float* b, float* y);
void linearBackwardInput(CudaStream stream, const LinearShape& s, const float* dy, const float* w, float* dx);
void linearBackwardWeight(CudaStream stream, const LinearShape& s, const float* dy, const float* x, float* dw);
void linearBackwardBias(CudaStream stream, const LinearShape& s, const float* dy, float* db);

}  // namespace cuda

}  // namespace sj
