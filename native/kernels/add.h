// Element-wise sum of two tensors: y = a + b. Used where two branches meet (the attention head
// sums the input gradients of its two linear maps). Its backward is the identity: no kernel.
#pragma once
#include <cstdint>
#include <string>

#include "core/cost.h"
#include "core/thread_pool.h"
#include "cuda/cuda_stream.h"
#include "kernels/scalar_math.h"

namespace sj {

struct AddShape {
  int64_t size = 1;  // E
  void validate() const;
  std::string describe() const;
};

Cost addForwardCost(const AddShape& s);

template <class T>
void addForwardReference(const AddShape& s, const T* a, const T* b, T* y) {
  for (int64_t i = 0; i < s.size; ++i) y[i] = a[i] + b[i];
}

// y may alias a or b.
void addForward(ThreadPool& pool, const AddShape& s, const float* a, const float* b, float* y);

// ---- CUDA kernels (kernels/cuda/add.cu) ----------------------------------------------------------
// All pointers are device memory; y may alias a or b.

namespace cuda {

void addForward(CudaStream stream, const AddShape& s, const float* a, const float* b, float* y);

}  // namespace cuda

}  // namespace sj
