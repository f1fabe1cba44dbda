// The front end's data-movement kernels on CUDA: the passes of frontend/pad_crop.h (shapes,
// semantics and cost are defined there).
#pragma once
#include "cuda/cuda_stream.h"
#include "frontend/pad_crop.h"

namespace sj::cuda {

// x [samples] -> y [length]; in place (x == y) only the zeros are written.
void padForward(CudaStream stream, const PadShape& s, const float* x, float* y);
// x [rows][frames] -> y [rows][keep]
void frameCropForward(CudaStream stream, const FrameCropShape& s, const float* x, float* y);

}  // namespace sj::cuda
