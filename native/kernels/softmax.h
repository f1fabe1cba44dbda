// Softmax and log-softmax over one axis, forward and backward. The tensor is seen as [outer][n][inner] and the
// softmax runs over n for each (outer, inner) pair: classes of [B][C] are outer = B, n = C,
// inner = 1; time of [B][T][C] is outer = B, n = T, inner = C.
//
//   x   [outer][n][inner]   logits
//   y   [outer][n][inner]   y = exp(x - max) / sum exp(x - max)
//   dy  [outer][n][inner]   upstream gradient
//   dx  [outer][n][inner]   dx = y * (dy - sum_n dy * y)    (dx may be the same array as dy)
//
// Per row of n values the forward costs n - 1 comparisons (max), n subtractions and n exps,
// n - 1 adds (the sum starts from the first term), 1 reciprocal and n multiplies: 3n flops;
// the backward n MACs (dot product) and 2n flops (subtract, multiply).
#pragma once
#include <cstdint>
#include <string>

#include "core/cost.h"
#include "core/thread_pool.h"
#include "cuda/cuda_stream.h"
#include "kernels/scalar_math.h"

namespace sj {

struct SoftmaxShape {
  int64_t outer = 1, n = 1, inner = 1;

  int64_t size() const { return outer * n * inner; }
  int64_t rows() const { return outer * inner; }
  void validate() const;  // E_SHAPE naming the offending dimension
  std::string describe() const;
};

Cost softmaxForwardCost(const SoftmaxShape& s);
Cost softmaxBackwardInputCost(const SoftmaxShape& s);

// ---- reference loops -------------------------------------------------------------------------

template <class T>
void softmaxForwardReference(const SoftmaxShape& s, const T* x, T* y) {
  for (int64_t o = 0; o < s.outer; ++o)
    for (int64_t i = 0; i < s.inner; ++i) {
      const T* xr = x + o * s.n * s.inner + i;
      T* yr = y + o * s.n * s.inner + i;
      T top = xr[0];
      for (int64_t j = 1; j < s.n; ++j) top = maxOf(top, xr[j * s.inner]);
      for (int64_t j = 0; j < s.n; ++j) yr[j * s.inner] = exp(xr[j * s.inner] - top);
      T sum = yr[0];
      for (int64_t j = 1; j < s.n; ++j) sum = sum + yr[j * s.inner];
      const T r = T(1) / sum;
      for (int64_t j = 0; j < s.n; ++j) yr[j * s.inner] = yr[j * s.inner] * r;
    }
}

template <class T>
void softmaxBackwardInputReference(const SoftmaxShape& s, const T* y, const T* dy, T* dx) {
  for (int64_t o = 0; o < s.outer; ++o)
    for (int64_t i = 0; i < s.inner; ++i) {
      const int64_t base = o * s.n * s.inner + i;
      T dot = T(0);
      for (int64_t j = 0; j < s.n; ++j) dot = mac(dot, dy[base + j * s.inner], y[base + j * s.inner]);
      for (int64_t j = 0; j < s.n; ++j) dx[base + j * s.inner] = y[base + j * s.inner] * (dy[base + j * s.inner] - dot);
    }
}

// ---- CPU kernels (kernels/cpu/softmax.cpp) -------------------------------------------------------

void softmaxForward(ThreadPool& pool, const SoftmaxShape& s, const float* x, float* y);
void softmaxBackwardInput(ThreadPool& pool, const SoftmaxShape& s, const float* y, const float* dy, float* dx);

// ---- CUDA kernels (kernels/cuda/softmax.cu) ------------------------------------------------------
// All pointers are device memory; dx may be the same array as dy.

namespace cuda {

void softmaxForward(CudaStream stream, const SoftmaxShape& s, const float* x, float* y);
void softmaxBackwardInput(CudaStream stream, const SoftmaxShape& s, const float* y, const float* dy, float* dx);

}  // namespace cuda

// ---- log-softmax over the same axis ----------------------------------------------------------
//
//   y   [outer][n][inner]   y = x - max - log(sum exp(x - max))
//   dx  [outer][n][inner]   dx = dy - exp(y) * sum_n dy
//
// Per row of n values the forward costs n - 1 comparisons (max), n subtractions and n exps, n - 1
// adds (the sum starts from the first term), 1 log and n subtractions: 3n - 1 flops and n + 1
// transcendentals; the backward n - 1 adds (sum of dy), n exps, n multiplies and n subtractions:
// 3n - 1 flops and n transcendentals.

Cost logSoftmaxForwardCost(const SoftmaxShape& s);
Cost logSoftmaxBackwardInputCost(const SoftmaxShape& s);

template <class T>
void logSoftmaxForwardReference(const SoftmaxShape& s, const T* x, T* y) {
  for (int64_t o = 0; o < s.outer; ++o)
    for (int64_t i = 0; i < s.inner; ++i) {
      const T* xr = x + o * s.n * s.inner + i;
      T* yr = y + o * s.n * s.inner + i;
      T top = xr[0];
      for (int64_t j = 1; j < s.n; ++j) top = maxOf(top, xr[j * s.inner]);
      for (int64_t j = 0; j < s.n; ++j) yr[j * s.inner] = xr[j * s.inner] - top;
      T sum = exp(yr[0]);
      for (int64_t j = 1; j < s.n; ++j) sum = sum + exp(yr[j * s.inner]);
      const T l = log(sum);
      for (int64_t j = 0; j < s.n; ++j) yr[j * s.inner] = yr[j * s.inner] - l;
    }
}

template <class T>
void logSoftmaxBackwardInputReference(const SoftmaxShape& s, const T* y, const T* dy, T* dx) {
  for (int64_t o = 0; o < s.outer; ++o)
    for (int64_t i = 0; i < s.inner; ++i) {
      const int64_t base = o * s.n * s.inner + i;
      T total = dy[base];
      for (int64_t j = 1; j < s.n; ++j) total = total + dy[base + j * s.inner];
      for (int64_t j = 0; j < s.n; ++j) dx[base + j * s.inner] = dy[base + j * s.inner] - exp(y[base + j * s.inner]) * total;
    }
}

// CPU (kernels/cpu/softmax.cpp): threads split the rows; sums and the log in double.
void logSoftmaxForward(ThreadPool& pool, const SoftmaxShape& s, const float* x, float* y);
// dx may be the same array as dy.
void logSoftmaxBackwardInput(ThreadPool& pool, const SoftmaxShape& s, const float* y, const float* dy, float* dx);

// CUDA (kernels/cuda/softmax.cu): one thread per row (o, i), as the CPU (coalesced when inner > 1).
namespace cuda {

void logSoftmaxForward(CudaStream stream, const SoftmaxShape& s, const float* x, float* y);
void logSoftmaxBackwardInput(CudaStream stream, const SoftmaxShape& s, const float* y, const float* dy, float* dx);

}  // namespace cuda

}  // namespace sj
