// Where a network's tensors live and its kernels run.
#pragma once
#include <string>

#include "cuda/cuda_session.h"

namespace sj {

enum class Device { Cpu, Cuda };

inline const char* deviceName(Device d) { return d == Device::Cuda ? "cuda" : "cpu"; }
// "cpu" | "cuda"; E_VALUE naming the value otherwise.
Device parseDevice(const std::string& name);

// Whether this build holds the CUDA backend. Code that calls into it sits under
// `if constexpr (kCudaBuilt)`, so a build without nvcc needs none of its symbols.
#if defined(SEDJOULE_WITH_CUDA)
inline constexpr bool kCudaBuilt = true;
#else
inline constexpr bool kCudaBuilt = false;
#endif

// The session of a network or front end placed on `device`: none on the CPU; on CUDA a new one, or
// E_CUDA saying why CUDA cannot be used (no backend in this build, no driver, no device). `who`
// starts the message ("frontend", "network").
CudaSessionPointer openCudaSession(Device device, int cudaDevice, const char* who);

}  // namespace sj
