// GRU on CUDA: the passes of kernels/cpu/gru.h (tensors, equations, the saved gates and gate
// gradients, and the cost are defined there). One call = one layer, both directions.
//
// How the work is cut (gru.cu explains each kernel):
//   forward:         one tiled GEMM for W_ih x over all steps and directions, then one launch per
//                    time step (both directions in it) that computes W_hh h_prev for its slice of
//                    hidden units and applies the gate equations in the same block;
//   backward-input:  W_hh transposed once, then one launch per step (last to first) that computes
//                    W_hh^T [da_r, da_z, da_n r] of the later step for its slice of units and the
//                    gate gradients of this step; dx as one GEMM over all steps afterwards;
//   backward-weight: two GEMMs over all steps (dW_ih; dW_hh batched over the directions), split
//                    along the steps when the weights alone would not fill the GPU, the splits
//                    summed in a fixed order by a second kernel;
//   backward-bias:   column sums of the gate gradients, a fixed-order tree per column.
// No floating-point atomics anywhere: the same inputs give bit-identical outputs run to run.
#pragma once
#include "cuda/cuda_stream.h"
#include "kernels/cpu/gru.h"

namespace sj::cuda {

void gruForward(CudaStream stream, const GruShape& s, const float* x, const float* wih, const float* whh, const float* bih,
                const float* bhh, float* y, float* gates);
void gruBackwardInput(CudaStream stream, const GruShape& s, const float* dy, const float* y, const float* gates, const float* wih,
                      const float* whh, float* gateGrads, float* dx);
void gruBackwardWeight(CudaStream stream, const GruShape& s, const float* gateGrads, const float* x, const float* y, float* dwih,
                       float* dwhh);
void gruBackwardBias(CudaStream stream, const GruShape& s, const float* gateGrads, float* dbih, float* dbhh);

}  // namespace sj::cuda
