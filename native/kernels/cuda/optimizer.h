// Parameter updates on CUDA: the passes of kernels/cpu/optimizer.h (formulas, per-call scalars and
// cost are defined there). All pointers are device memory; the scalars are computed on the host
// (adamScalars) and passed by value, so the step needs no host synchronisation.
#pragma once
#include <cstdint>

#include "cuda/cuda_stream.h"
#include "kernels/cpu/optimizer.h"

namespace sj::cuda {

void adamStep(CudaStream stream, const AdamShape& s, int64_t step, float* p, const float* g, float* m, float* v);
void sgdStep(CudaStream stream, const SgdShape& s, int64_t step, float* p, const float* g, float* m);

}  // namespace sj::cuda
