// Amplitude compression (dB / log, clamp) of frontend/amplitude.h on CUDA (shape, semantics and
// cost are defined there; the per-element map, amplitudeMap(), is the CPU kernel's).
#pragma once
#include "cuda/cuda_stream.h"
#include "frontend/amplitude.h"

namespace sj::cuda {

// x [size] -> y [size]; x and y may be the same array.
void amplitudeForward(CudaStream stream, const AmplitudeShape& s, const float* x, float* y);

}  // namespace sj::cuda
