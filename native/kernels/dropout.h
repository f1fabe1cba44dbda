// Inverted dropout (training only; at inference dropout is the identity and no kernel runs).
//
//   x     [E]   input (E = number of elements, any layout)
//   mask  [E]   mask[i] = u(seed, i) >= p ? 1 / (1 - p) : 0, written by the forward pass
//   y     [E]   y = x * mask
//   dy    [E]   gradient of the loss with respect to y
//   dx    [E]   dx = dy * mask
//
// u(seed, i) = uniformFloat(seed, i) (core/random.h) is a multiple of 2^-24 in [0, 1) that depends
// on the seed and the flat index only, so the mask is the same for every thread count and every
// run with the same seed. The network passes a fresh seed per layer and step. The hash is integer
// work and is not counted; the keep test is one comparison (compare and select) per element.
#pragma once
#include <cstdint>
#include <string>

#include "core/cost.h"
#include "core/random.h"
#include "core/thread_pool.h"
#include "cuda/cuda_stream.h"
#include "kernels/scalar_math.h"

namespace sj {

struct DropoutShape {
  int64_t size = 1;  // E
  double p = 0.5;    // probability of dropping an element, in [0, 1)

  void validate() const;  // E_SHAPE for a non-positive size, E_VALUE for p outside [0, 1)
  std::string describe() const;
  // The keep test u >= p on u in multiples of 2^-24 is the same as u >= keepThreshold(), the
  // smallest multiple of 2^-24 not below p: a number exact in float and double, so the float
  // kernel and the double reference drop the same elements.
  double keepThreshold() const;
  double keepScale() const { return 1.0 / (1.0 - p); }
};

Cost dropoutForwardCost(const DropoutShape& s);
Cost dropoutBackwardInputCost(const DropoutShape& s);

// ---- reference loops -------------------------------------------------------------------------

// mask = u >= p ? 1 / (1 - p) : 0;  y = x * mask
template <class T>
void dropoutForwardReference(const DropoutShape& s, uint64_t seed, const T* x, T* mask, T* y) {
  const T threshold = T(s.keepThreshold()), scale = T(s.keepScale());
  for (int64_t i = 0; i < s.size; ++i) {
    mask[i] = T(uniformFloat(seed, static_cast<uint64_t>(i))) >= threshold ? scale : T(0);
    y[i] = x[i] * mask[i];
  }
}

// dx = dy * mask
template <class T>
void dropoutBackwardInputReference(const DropoutShape& s, const T* dy, const T* mask, T* dx) {
  for (int64_t i = 0; i < s.size; ++i) dx[i] = dy[i] * mask[i];
}

// ---- CPU kernels (kernels/cpu/dropout.cpp) -------------------------------------------------------

void dropoutForward(ThreadPool& pool, const DropoutShape& s, uint64_t seed, const float* x, float* mask, float* y);
void dropoutBackwardInput(ThreadPool& pool, const DropoutShape& s, const float* dy, const float* mask, float* dx);

// ---- CUDA kernels (kernels/cuda/dropout.cu) ------------------------------------------------------
// All pointers are device memory. The mask is the CPU's bit for bit: both draw u(seed, i) from the
// same constexpr counter hash (core/random.h) and compare it with the same float threshold.

namespace cuda {

void dropoutForward(CudaStream stream, const DropoutShape& s, uint64_t seed, const float* x, float* mask, float* y);
void dropoutBackwardInput(CudaStream stream, const DropoutShape& s, const float* dy, const float* mask, float* dx);

}  // namespace cuda

}  // namespace sj
