// Binary cross-entropy on CUDA: the passes of kernels/cpu/bce.h (tensors, formulas and cost are
// defined there). All pointers are device memory, loss and g included ([1] each).
//
// No value check on the device (it would need a host synchronisation): the network checks the
// targets on the host before they are copied (Network::checkInputs), and the probabilities of
// the "bce" loss come from a sigmoid. A probability outside [0, 1] gives a NaN loss here.
#pragma once
#include "cuda/cuda_stream.h"
#include "kernels/cpu/bce.h"

namespace sj::cuda {

// The mean is a deterministic two-pass sum: fixed chunks of elements summed in double by one block
// each, then the chunk sums in chunk order by one block. Bit-identical run to run.
void bceForward(CudaStream stream, const BceShape& s, const float* x, const float* t, float* loss);
void bceBackwardInput(CudaStream stream, const BceShape& s, const float* x, const float* t, const float* g, float* dx);

}  // namespace sj::cuda
