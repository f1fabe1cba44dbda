// Fully connected layer on CUDA: the passes of kernels/cpu/linear.h (tensors, formulas and cost are
// defined there), on the tiled SGEMM core of gemm_tile.cuh.
#pragma once
#include "cuda/cuda_stream.h"
#include "kernels/cpu/linear.h"

namespace sj::cuda {

void linearForward(CudaStream stream, const LinearShape& s, const float* x, const float* w, const float* b, float* y);
void linearBackwardInput(CudaStream stream, const LinearShape& s, const float* dy, const float* w, float* dx);
void linearBackwardWeight(CudaStream stream, const LinearShape& s, const float* dy, const float* x, float* dw);
void linearBackwardBias(CudaStream stream, const LinearShape& s, const float* dy, float* db);

}  // namespace sj::cuda
