// Rectified linear unit, element-wise over a tensor of any shape.
//
//   x   [E]   input (E = number of elements, any layout)
//   y   [E]   y = max(x, 0)
//   dy  [E]   gradient of the loss with respect to y
//   dx  [E]   dx = x > 0 ? dy : 0
//
// Both passes are compare-and-select only: comparisons, no floating-point arithmetic.
#pragma once
#include <cstdint>
#include <string>

#include "core/cost.h"
#include "core/thread_pool.h"
#include "cuda/cuda_stream.h"
#include "kernels/scalar_math.h"

namespace sj {

struct ReluShape {
  int64_t size = 1;  // E

  void validate() const;  // E_SHAPE when the size is not positive
  std::string describe() const;
};

Cost reluForwardCost(const ReluShape& s);
Cost reluBackwardInputCost(const ReluShape& s);

// ---- reference loops -------------------------------------------------------------------------

// y = max(x, 0)
template <class T>
void reluForwardReference(const ReluShape& s, const T* x, T* y) {
  for (int64_t i = 0; i < s.size; ++i) y[i] = maxOf(x[i], T(0));
}

// dx = x > 0 ? dy : 0
template <class T>
void reluBackwardInputReference(const ReluShape& s, const T* x, const T* dy, T* dx) {
  for (int64_t i = 0; i < s.size; ++i) dx[i] = x[i] > T(0) ? dy[i] : T(0);
}

// ---- CPU kernels (kernels/cpu/relu.cpp) ----------------------------------------------------------

void reluForward(ThreadPool& pool, const ReluShape& s, const float* x, float* y);
void reluBackwardInput(ThreadPool& pool, const ReluShape& s, const float* x, const float* dy, float* dx);

// ---- CUDA kernels (kernels/cuda/relu.cu) ---------------------------------------------------------

namespace cuda {

void reluForward(CudaStream stream, const ReluShape& s, const float* x, float* y);
void reluBackwardInput(CudaStream stream, const ReluShape& s, const float* x, const float* dy, float* dx);

}  // namespace cuda

}  // namespace sj
