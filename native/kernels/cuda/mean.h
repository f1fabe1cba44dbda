// Mean over one axis on CUDA: the passes of kernels/cpu/mean.h (tensors, formulas and cost are
// defined there). All pointers are device memory.
#pragma once
#include "cuda/cuda_stream.h"
#include "kernels/cpu/mean.h"

namespace sj::cuda {

void meanForward(CudaStream stream, const MeanShape& s, const float* x, float* y);
void meanBackwardInput(CudaStream stream, const MeanShape& s, const float* dy, float* dx);

}  // namespace sj::cuda
