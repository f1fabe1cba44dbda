// Inverted dropout on CUDA: the passes of kernels/cpu/dropout.h (tensors, formulas and cost are
// defined there). All pointers are device memory. The mask is the CPU's bit for bit: both draw
// u(seed, i) from the same constexpr counter hash (core/random.h) and compare it with the same
// float threshold.
#pragma once
#include <cstdint>

#include "cuda/cuda_stream.h"
#include "kernels/cpu/dropout.h"

namespace sj::cuda {

void dropoutForward(CudaStream stream, const DropoutShape& s, uint64_t seed, const float* x, float* mask, float* y);
void dropoutBackwardInput(CudaStream stream, const DropoutShape& s, const float* dy, const float* mask, float* dx);

}  // namespace sj::cuda
