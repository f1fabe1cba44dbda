// Logistic sigmoid on CUDA: the passes of kernels/cpu/sigmoid.h (tensors, formulas and cost are
// defined there). All pointers are device memory.
#pragma once
#include "cuda/cuda_stream.h"
#include "kernels/cpu/sigmoid.h"

namespace sj::cuda {

void sigmoidForward(CudaStream stream, const SigmoidShape& s, const float* x, float* y);
void sigmoidBackwardInput(CudaStream stream, const SigmoidShape& s, const float* y, const float* dy, float* dx);

}  // namespace sj::cuda
