// 2-D max and average pooling on CUDA: the passes of kernels/cpu/pool2d.h (tensors, formulas and
// cost are defined there). All pointers are device memory; argmax is int32.
#pragma once
#include <cstdint>

#include "cuda/cuda_stream.h"
#include "kernels/cpu/pool2d.h"

namespace sj::cuda {

void maxPool2dForward(CudaStream stream, const Pool2dShape& s, const float* x, float* y, int32_t* argmax);
void maxPool2dBackwardInput(CudaStream stream, const Pool2dShape& s, const float* dy, const int32_t* argmax, float* dx);
void avgPool2dForward(CudaStream stream, const Pool2dShape& s, const float* x, float* y);
void avgPool2dBackwardInput(CudaStream stream, const Pool2dShape& s, const float* dy, float* dx);

}  // namespace sj::cuda
