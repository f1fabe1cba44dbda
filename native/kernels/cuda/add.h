// Element-wise sum on CUDA: the pass of kernels/cpu/add.h (formula and cost are defined there).
// All pointers are device memory; y may alias a or b.
#pragma once
#include "kernels/cpu/add.h"
#include "kernels/cuda/cuda_stream.h"

namespace sj::cuda {

void addForward(CudaStream stream, const AddShape& s, const float* a, const float* b, float* y);

}  // namespace sj::cuda
