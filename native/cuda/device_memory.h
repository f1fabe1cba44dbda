// Device memory, copies and streams, for host code that includes no CUDA header (buffers, the
// network, the tests). Built only with the CUDA backend: callers sit under
// `if constexpr (kCudaBuilt)` (core/device.h). Every failure is an E_CUDA error naming `what`.
#pragma once
#include <cstdint>
#include <string>

#include "cuda/cuda_stream.h"

namespace sj::cuda {

// Zero-filled device memory. Out of memory says how much was asked for and how much is free.
void* allocate(int64_t bytes, const std::string& what);
void release(void* pointer) noexcept;

void copyToDevice(void* dst, const void* src, int64_t bytes, CudaStream stream, const char* what);
// Waits for the stream, so `dst` holds the data on return.
void copyToHost(void* dst, const void* src, int64_t bytes, CudaStream stream, const char* what);
void copyOnDevice(void* dst, const void* src, int64_t bytes, CudaStream stream, const char* what);
void zero(void* pointer, int64_t bytes, CudaStream stream, const char* what);

CudaStream createStream(int device);
void destroyStream(CudaStream stream) noexcept;
void synchronize(CudaStream stream, const char* what);

// Page-locked host memory, for transfers that overlap nothing else but run at full bus speed.
void* allocateHost(int64_t bytes, const std::string& what);
void releaseHost(void* pointer) noexcept;

// Scratch space for the kernels of one call on `stream`: at least `bytes`, valid until the next
// workspace() call on the same stream (calls on one stream run in order, so the next call may
// reuse it). It only grows, so pointers captured into a CUDA graph stay valid once the shapes
// have been seen.
void* workspace(CudaStream stream, int64_t bytes);
void releaseWorkspace(CudaStream stream) noexcept;

// Whether a device is visible, and if not, why (the runtime's words).
bool deviceAvailable(std::string* why = nullptr);

}  // namespace sj::cuda
