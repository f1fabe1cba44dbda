// Element-wise logistic sigmoid, forward and backward.
//
//   x   [E]   input (any shape, E elements)
//   y   [E]   y = 1 / (1 + exp(-x))
//   dy  [E]   upstream gradient
//   dx  [E]   dx = dy * y * (1 - y)
//
// The formula is the overflow-free one with the same operations for every input (sigmoidOf):
// per element 3 flops, 1 exp and 2 comparisons forward, 3 flops backward.
#pragma once
#include <cstdint>
#include <string>

#include "core/cost.h"
#include "core/thread_pool.h"
#include "cuda/cuda_stream.h"
#include "kernels/scalar_math.h"

namespace sj {

// sigma(x) = (x >= 0 ? 1 : e) / (1 + e), e = exp(-|x|): exp never overflows, and the operation
// count does not depend on the sign of x: |x| (1 comparison), negate (1 flop), exp (1
// transcendental), 1 + e (1 flop), select (1 comparison), divide (1 flop). Shared by every kernel
// that needs a sigmoid (this file, BCE from logits) so they all count and round alike.
template <class T>
inline T sigmoidOf(T x) {
  const T e = exp(-absValue(x));
  return (x >= T(0) ? T(1) : e) / (T(1) + e);
}
constexpr int64_t kSigmoidFlops = 3, kSigmoidTranscendentals = 1, kSigmoidComparisons = 2;

struct SigmoidShape {
  int64_t size = 1;  // E

  void validate() const;  // E_SHAPE unless E > 0
  std::string describe() const;
};

Cost sigmoidForwardCost(const SigmoidShape& s);
Cost sigmoidBackwardInputCost(const SigmoidShape& s);

// ---- reference loops -------------------------------------------------------------------------

template <class T>
void sigmoidForwardReference(const SigmoidShape& s, const T* x, T* y) {
  for (int64_t i = 0; i < s.size; ++i) y[i] = sigmoidOf(x[i]);
}

template <class T>
void sigmoidBackwardInputReference(const SigmoidShape& s, const T* y, const T* dy, T* dx) {
  for (int64_t i = 0; i < s.size; ++i) dx[i] = dy[i] * (y[i] * (T(1) - y[i]));
}

// ---- CPU kernels (kernels/cpu/sigmoid.cpp) -------------------------------------------------------

void sigmoidForward(ThreadPool& pool, const SigmoidShape& s, const float* x, float* y);
void sigmoidBackwardInput(ThreadPool& pool, const SigmoidShape& s, const float* y, const float* dy, float* dx);

// ---- CUDA kernels (kernels/cuda/sigmoid.cu) ------------------------------------------------------
// All pointers are device memory.

namespace cuda {

void sigmoidForward(CudaStream stream, const SigmoidShape& s, const float* x, float* y);
void sigmoidBackwardInput(CudaStream stream, const SigmoidShape& s, const float* y, const float* dy, float* dx);

}  // namespace cuda

}  // namespace sj
