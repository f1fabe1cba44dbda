// Every CUDA runtime call and launch goes through cudaCheck, which turns a failure into an
// sj::Error with code E_CUDA naming what was being done (the kernel, the copy, the allocation).
#pragma once
#include <cuda_runtime.h>

#include <string>

#include "base/error.h"

namespace sj {

[[noreturn]] void cudaFail(cudaError_t error, const std::string& what);

inline void cudaCheck(cudaError_t error, const char* what) {
  if (error != cudaSuccess) cudaFail(error, what);
}
inline void cudaCheck(cudaError_t error, const std::string& what) {
  if (error != cudaSuccess) cudaFail(error, what);
}

}  // namespace sj
