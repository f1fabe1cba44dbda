// The STFT of frontend/stft.h on CUDA (shape, semantics and cost are defined there): every frame
// of the clip in one launch of the batched FFT (frontend_fft.h), with the framing, reflection,
// window, split and |.|^power fused around it.
#pragma once
#include "cuda/cuda_stream.h"
#include "frontend/stft.h"
#include "kernels/cuda/frontend_fft.h"

namespace sj::cuda {

// x [samples], window [winLength] -> y [bins][frames]. plan.size() must be s.nFft.
void stftForward(CudaStream stream, const StftShape& s, const FftDevicePlan& plan, const float* x, const float* window, float* y);

}  // namespace sj::cuda
