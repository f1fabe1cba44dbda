// 2-D batch normalisation on CUDA: the passes of kernels/cpu/batchnorm2d.h (tensors, formulas and
// cost are defined there). All pointers are device memory.
#pragma once
#include "cuda/cuda_stream.h"
#include "kernels/cpu/batchnorm2d.h"

namespace sj::cuda {

void batchnorm2dForward(CudaStream stream, const BatchNorm2dShape& s, const float* x, const float* gamma, const float* beta,
                        float* runningMean, float* runningVar, float* mean, float* rstd, float* y);
void batchnorm2dBackwardInput(CudaStream stream, const BatchNorm2dShape& s, const float* dy, const float* x, const float* gamma,
                              const float* mean, const float* rstd, float* dx);
void batchnorm2dBackwardWeight(CudaStream stream, const BatchNorm2dShape& s, const float* dy, const float* x, const float* mean,
                               const float* rstd, float* dgamma);
void batchnorm2dBackwardBias(CudaStream stream, const BatchNorm2dShape& s, const float* dy, float* dbeta);

}  // namespace sj::cuda
