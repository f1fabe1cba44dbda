// A strided slice along one axis (ONNX Slice with one axis and a positive step; numpy's
// x[..., start:end:step, ...]), forward and backward. The tensor is seen as [outer][n][inner], the
// slice taken along n:
//
//   x   [outer][n][inner]
//   y   [outer][count][inner]   y[o][j][i] = x[o][start + j * step][i]
//   dy  [outer][count][inner]
//   dx  [outer][n][inner]       dy at the positions the slice took, 0 elsewhere (every element is
//                               written, so several slices of one tensor, ONNX Split, each give a
//                               whole gradient that the network sums)
//
// A copy: no FLOPs; the forward reads and writes count elements per (o, i), the backward reads those
// and writes all of dx.
#pragma once
#include <cstdint>
#include <string>

#include "core/cost.h"
#include "core/thread_pool.h"
#include "cuda/cuda_stream.h"

namespace sj {

struct SliceShape {
  int64_t outer = 1, n = 1, inner = 1;
  int64_t start = 0, step = 1, count = 1;  // resolved: 0 <= start + (count - 1) * step < n

  int64_t inputSize() const { return outer * n * inner; }
  int64_t outputSize() const { return outer * count * inner; }
  void validate() const;  // E_SHAPE naming the shape
  std::string describe() const;
};

// ONNX's rule for one axis of length n: a negative start or end counts from the end, both are then
// clamped to [0, n]; count = ceil((end - start) / step), E_SHAPE when that is 0 (an empty slice),
// E_VALUE unless step > 0.
SliceShape sliceShape(int64_t outer, int64_t n, int64_t inner, int64_t start, int64_t end, int64_t step);

Cost sliceForwardCost(const SliceShape& s);
Cost sliceBackwardInputCost(const SliceShape& s);

// ---- reference loops -------------------------------------------------------------------------

template <class T>
void sliceForwardReference(const SliceShape& s, const T* x, T* y) {
  for (int64_t o = 0; o < s.outer; ++o)
    for (int64_t j = 0; j < s.count; ++j)
      for (int64_t i = 0; i < s.inner; ++i) y[(o * s.count + j) * s.inner + i] = x[(o * s.n + s.start + j * s.step) * s.inner + i];
}

template <class T>
void sliceBackwardInputReference(const SliceShape& s, const T* dy, T* dx) {
  for (int64_t e = 0; e < s.inputSize(); ++e) dx[e] = T(0);
  for (int64_t o = 0; o < s.outer; ++o)
    for (int64_t j = 0; j < s.count; ++j)
      for (int64_t i = 0; i < s.inner; ++i) dx[(o * s.n + s.start + j * s.step) * s.inner + i] = dy[(o * s.count + j) * s.inner + i];
}

// ---- CPU kernels (kernels/cpu/slice.cpp) ---------------------------------------------------------

void sliceForward(ThreadPool& pool, const SliceShape& s, const float* x, float* y);
void sliceBackwardInput(ThreadPool& pool, const SliceShape& s, const float* dy, float* dx);

// ---- CUDA kernels (kernels/cuda/slice.cu) --------------------------------------------------------
// One thread per element of y (forward) or of dx (backward: the slice's value or 0), so no memset
// and no atomics.

namespace cuda {

void sliceForward(CudaStream stream, const SliceShape& s, const float* x, float* y);
void sliceBackwardInput(CudaStream stream, const SliceShape& s, const float* dy, float* dx);

}  // namespace cuda

}  // namespace sj
