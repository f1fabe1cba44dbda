// ReLU on CUDA: the passes of kernels/cpu/relu.h (tensors, formulas and cost are defined there).
#pragma once
#include "cuda/cuda_stream.h"
#include "kernels/cpu/relu.h"

namespace sj::cuda {

void reluForward(CudaStream stream, const ReluShape& s, const float* x, float* y);
void reluBackwardInput(CudaStream stream, const ReluShape& s, const float* x, const float* dy, float* dx);

}  // namespace sj::cuda
