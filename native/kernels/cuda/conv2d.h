// 2-D convolution on CUDA: the passes of kernels/cpu/conv2d.h (tensors, formulas and cost are
// defined there). Implicit GEMMs on the tiled SGEMM core of gemm_tile.cuh: the patch matrix is
// gathered while the tiles load, never stored.
#pragma once
#include "cuda/cuda_stream.h"
#include "kernels/cpu/conv2d.h"

namespace sj::cuda {

void conv2dForward(CudaStream stream, const Conv2dShape& s, const float* x, const float* w, const float* b, float* y);
void conv2dBackwardInput(CudaStream stream, const Conv2dShape& s, const float* dy, const float* w, float* dx);
void conv2dBackwardWeight(CudaStream stream, const Conv2dShape& s, const float* dy, const float* x, float* dw);
void conv2dBackwardBias(CudaStream stream, const Conv2dShape& s, const float* dy, float* db);

}  // namespace sj::cuda
