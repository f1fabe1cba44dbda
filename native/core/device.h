// Where a network's tensors live and its kernels run.
#pragma once
#include <string>

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

}  // namespace sj
