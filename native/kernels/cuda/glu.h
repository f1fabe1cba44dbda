// Gated linear unit on CUDA: the passes of kernels/cpu/glu.h (tensors, formulas and cost are
// defined there). The channel mix is a GEMM on the tiled SGEMM core of gemm_tile.cuh; the gate,
// the bias and the element-wise terms of the gradient are applied as its tiles load and store.
#pragma once
#include "cuda/cuda_stream.h"
#include "kernels/cpu/glu.h"

namespace sj::cuda {

void gluForward(CudaStream stream, const GluShape& s, const float* x, const float* w, const float* b, float* lin, float* sig, float* y);
void gluBackwardInput(CudaStream stream, const GluShape& s, const float* dy, const float* w, const float* lin, const float* sig, float* dx);
void gluBackwardWeight(CudaStream stream, const GluShape& s, const float* dy, const float* sig, const float* x, float* dw);
void gluBackwardBias(CudaStream stream, const GluShape& s, const float* dy, const float* sig, float* db);

}  // namespace sj::cuda
