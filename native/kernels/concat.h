// Concatenation along one axis, one input at a time: each call copies one input into its slice of
// the output (forward) or its slice of the output gradient back (backward). A concatenation of N
// inputs is N calls, each counted with its own bytes.
//
//   x   [outer, part, inner]    one input
//   y   [outer, total, inner]   y[o, offset + p, i] = x[o, p, i]   (offset + part <= total)
//   dy  [outer, total, inner]
//   dx  [outer, part, inner]    dx[o, p, i] = dy[o, offset + p, i]
//
// Copies only: no arithmetic.
#pragma once
#include <cstdint>
#include <string>

#include "core/cost.h"
#include "core/thread_pool.h"
#include "cuda/cuda_stream.h"

namespace sj {

struct ConcatShape {
  int64_t outer = 1, part = 1, total = 1, inner = 1, offset = 0;
  void validate() const;  // E_SHAPE when a size is not positive or the slice leaves the output
  std::string describe() const;
  int64_t sliceSize() const { return outer * part * inner; }
};

Cost concatForwardCost(const ConcatShape& s);
Cost concatBackwardInputCost(const ConcatShape& s);

// ---- reference loops -------------------------------------------------------------------------

template <class T>
void concatForwardReference(const ConcatShape& s, const T* x, T* y) {
  for (int64_t o = 0; o < s.outer; ++o)
    for (int64_t p = 0; p < s.part; ++p)
      for (int64_t i = 0; i < s.inner; ++i) y[(o * s.total + s.offset + p) * s.inner + i] = x[(o * s.part + p) * s.inner + i];
}

template <class T>
void concatBackwardInputReference(const ConcatShape& s, const T* dy, T* dx) {
  for (int64_t o = 0; o < s.outer; ++o)
    for (int64_t p = 0; p < s.part; ++p)
      for (int64_t i = 0; i < s.inner; ++i) dx[(o * s.part + p) * s.inner + i] = dy[(o * s.total + s.offset + p) * s.inner + i];
}

// ---- CPU kernels (kernels/cpu/concat.cpp) ------------------------------------------------------

void concatForward(ThreadPool& pool, const ConcatShape& s, const float* x, float* y);
void concatBackwardInput(ThreadPool& pool, const ConcatShape& s, const float* dy, float* dx);

// ---- CUDA kernels (kernels/cuda/concat.cu) -----------------------------------------------------

namespace cuda {

void concatForward(CudaStream stream, const ConcatShape& s, const float* x, float* y);
void concatBackwardInput(CudaStream stream, const ConcatShape& s, const float* dy, float* dx);

}  // namespace cuda

}  // namespace sj
