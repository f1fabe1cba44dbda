// Data-movement kernels on CUDA: the passes of kernels/cpu/layout.h (shapes and cost are defined
// there). All pointers are device memory.
#pragma once
#include "cuda/cuda_stream.h"
#include "kernels/cpu/layout.h"

namespace sj::cuda {

void permuteForward(CudaStream stream, const PermuteShape& s, const float* x, float* y);
void permuteBackwardInput(CudaStream stream, const PermuteShape& s, const float* dy, float* dx);

void lastStepForward(CudaStream stream, const LastStepShape& s, const float* x, float* y);
void lastStepBackwardInput(CudaStream stream, const LastStepShape& s, const float* dy, float* dx);

}  // namespace sj::cuda
