// Element-wise sum on CUDA: the pass of kernels/cpu/add.h (formula and cost are defined there).
// All pointers are device memory; y may alias a or b.
#pragma once
#include "cuda/cuda_stream.h"
#include "kernels/cpu/add.h"

namespace sj::cuda {

void addForward(CudaStream stream, const AddShape& s, const float* a, const float* b, float* y);

}  // namespace sj::cuda
