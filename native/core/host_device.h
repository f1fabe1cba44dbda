// SJ_HOST_DEVICE marks a small function that the CPU kernels and the CUDA kernels share (one rule
// in one place): nvcc then compiles it for the device as well; g++ sees a plain inline function.
#pragma once

#if defined(__CUDACC__)
#define SJ_HOST_DEVICE __host__ __device__
#else
#define SJ_HOST_DEVICE
#endif
