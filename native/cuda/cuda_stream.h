// The CUDA stream type, without the CUDA headers: host code that only passes a stream along (the
// layers, the kernel context) includes this instead of cuda_runtime.h.
#pragma once

struct CUstream_st;

namespace sj {
using CudaStream = CUstream_st*;
}  // namespace sj
