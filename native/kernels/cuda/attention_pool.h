// Attention pooling on CUDA: the passes of kernels/cpu/attention_pool.h (tensors, formulas and
// cost are defined there). All pointers are device memory.
#pragma once
#include "cuda/cuda_stream.h"
#include "kernels/cpu/attention_pool.h"

namespace sj::cuda {

void attentionPoolForward(CudaStream stream, const AttentionPoolShape& s, const float* strong, const float* a, float* sof, float* den,
                          float* weak);
void attentionPoolBackwardInput(CudaStream stream, const AttentionPoolShape& s, const float* strong, const float* sof, const float* den,
                                const float* weak, const float* dweak, float* dstrong, float* da);

}  // namespace sj::cuda
