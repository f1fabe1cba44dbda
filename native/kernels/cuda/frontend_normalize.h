// Per-clip normalisation of frontend/normalize.h on CUDA (shape, semantics and cost are defined
// there): min-max or standardisation over the whole block, with deterministic reductions.
#pragma once
#include "cuda/cuda_stream.h"
#include "frontend/normalize.h"

namespace sj::cuda {

// x [size] -> y [size]; x and y may be the same array. Uses the stream's workspace.
void normalizeForward(CudaStream stream, const NormalizeShape& s, const float* x, float* y);

}  // namespace sj::cuda
