// Mean over one axis of a tensor seen as [outer][n][inner] (e.g. over time of [B][T][F]).
//
//   x [outer][n][inner] -> y [outer][inner],  y = (sum over n of x) * (1/n)
#pragma once
#include <cstdint>
#include <string>

#include "core/cost.h"
#include "core/thread_pool.h"
#include "cuda/cuda_stream.h"
#include "kernels/scalar_math.h"

namespace sj {

struct MeanShape {
  int64_t outer = 1, n = 1, inner = 1;
  void validate() const;
  std::string describe() const;
};

Cost meanForwardCost(const MeanShape& s);
Cost meanBackwardInputCost(const MeanShape& s);

template <class T>
void meanForwardReference(const MeanShape& s, const T* x, T* y) {
  const T scale = T(1) / T(static_cast<double>(s.n));
  for (int64_t o = 0; o < s.outer; ++o)
    for (int64_t i = 0; i < s.inner; ++i) {
      T acc = T(0);
      for (int64_t k = 0; k < s.n; ++k) acc = acc + x[(o * s.n + k) * s.inner + i];
      y[o * s.inner + i] = acc * scale;
    }
}

// dx = dy / n, broadcast over the reduced axis
template <class T>
void meanBackwardInputReference(const MeanShape& s, const T* dy, T* dx) {
  const T scale = T(1) / T(static_cast<double>(s.n));
  for (int64_t o = 0; o < s.outer; ++o)
    for (int64_t k = 0; k < s.n; ++k)
      for (int64_t i = 0; i < s.inner; ++i) dx[(o * s.n + k) * s.inner + i] = dy[o * s.inner + i] * scale;
}

void meanForward(ThreadPool& pool, const MeanShape& s, const float* x, float* y);
void meanBackwardInput(ThreadPool& pool, const MeanShape& s, const float* dy, float* dx);

// ---- CUDA kernels (kernels/cuda/mean.cu) ---------------------------------------------------------
// All pointers are device memory.

namespace cuda {

void meanForward(CudaStream stream, const MeanShape& s, const float* x, float* y);
void meanBackwardInput(CudaStream stream, const MeanShape& s, const float* dy, float* dx);

}  // namespace cuda

}  // namespace sj
