// Data-movement kernels: no arithmetic, only bytes. Their ledger rows show what reshaping a
// tensor between layers costs in memory traffic.
//
// permute:   x [N][d0]...[d(r-1)] -> y [N][d(p0)]...[d(p(r-1))]   (the batch axis stays first)
// lastStep:  x [N][T][F] -> y [N][F] = x[:, T-1, :]
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "core/cost.h"
#include "core/thread_pool.h"
#include "cuda/cuda_stream.h"

namespace sj {

struct PermuteShape {
  int64_t n = 1;
  std::vector<int64_t> dims;   // per-sample input dimensions
  std::vector<int64_t> order;  // output axis i is input axis order[i]

  std::vector<int64_t> outputDims() const;
  int64_t sampleSize() const;
  void validate() const;
  std::string describe() const;
};

Cost permuteForwardCost(const PermuteShape& s);
Cost permuteBackwardInputCost(const PermuteShape& s);

// Input offset (within one sample) of each output element, in output order.
std::vector<int64_t> permuteSourceOffsets(const PermuteShape& s);

template <class T>
void permuteForwardReference(const PermuteShape& s, const T* x, T* y) {
  const std::vector<int64_t> src = permuteSourceOffsets(s);
  const int64_t size = s.sampleSize();
  for (int64_t n = 0; n < s.n; ++n)
    for (int64_t i = 0; i < size; ++i) y[n * size + i] = x[n * size + src[i]];
}

// dx = inverse permutation of dy
template <class T>
void permuteBackwardInputReference(const PermuteShape& s, const T* dy, T* dx) {
  const std::vector<int64_t> src = permuteSourceOffsets(s);
  const int64_t size = s.sampleSize();
  for (int64_t n = 0; n < s.n; ++n)
    for (int64_t i = 0; i < size; ++i) dx[n * size + src[i]] = dy[n * size + i];
}

void permuteForward(ThreadPool& pool, const PermuteShape& s, const float* x, float* y);
void permuteBackwardInput(ThreadPool& pool, const PermuteShape& s, const float* dy, float* dx);

struct LastStepShape {
  int64_t n = 1, t = 1, f = 1;
  void validate() const;
  std::string describe() const;
};

Cost lastStepForwardCost(const LastStepShape& s);
Cost lastStepBackwardInputCost(const LastStepShape& s);

template <class T>
void lastStepForwardReference(const LastStepShape& s, const T* x, T* y) {
  for (int64_t n = 0; n < s.n; ++n)
    for (int64_t f = 0; f < s.f; ++f) y[n * s.f + f] = x[(n * s.t + s.t - 1) * s.f + f];
}

// dx is zero except at the last step, where it is dy.
template <class T>
void lastStepBackwardInputReference(const LastStepShape& s, const T* dy, T* dx) {
  for (int64_t n = 0; n < s.n; ++n)
    for (int64_t t = 0; t < s.t; ++t)
      for (int64_t f = 0; f < s.f; ++f) dx[(n * s.t + t) * s.f + f] = t == s.t - 1 ? dy[n * s.f + f] : T(0);
}

void lastStepForward(ThreadPool& pool, const LastStepShape& s, const float* x, float* y);
void lastStepBackwardInput(ThreadPool& pool, const LastStepShape& s, const float* dy, float* dx);

// ---- CUDA kernels (kernels/cuda/layout.cu) -------------------------------------------------------
// All pointers are device memory.

namespace cuda {

void permuteForward(CudaStream stream, const PermuteShape& s, const float* x, float* y);
void permuteBackwardInput(CudaStream stream, const PermuteShape& s, const float* dy, float* dx);

void lastStepForward(CudaStream stream, const LastStepShape& s, const float* x, float* y);
void lastStepBackwardInput(CudaStream stream, const LastStepShape& s, const float* dy, float* dx);

}  // namespace cuda

}  // namespace sj
