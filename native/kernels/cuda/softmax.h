// Softmax over one axis on CUDA: the passes of kernels/cpu/softmax.h (tensors, formulas and cost
// are defined there). All pointers are device memory; dx may be the same array as dy.
#pragma once
#include "cuda/cuda_stream.h"
#include "kernels/cpu/softmax.h"

namespace sj::cuda {

void softmaxForward(CudaStream stream, const SoftmaxShape& s, const float* x, float* y);
void softmaxBackwardInput(CudaStream stream, const SoftmaxShape& s, const float* y, const float* dy, float* dx);

}  // namespace sj::cuda
