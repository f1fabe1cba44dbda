#include "cuda/device_memory.h"

#include <cuda_runtime.h>

#include <cstdio>
#include <map>
#include <mutex>

#include "cuda/cuda_check.h"

namespace sj::cuda {
namespace {

std::string mebibytes(double bytes) {
  char text[32];
  std::snprintf(text, sizeof(text), "%.1f MiB", bytes / (1024.0 * 1024.0));
  return text;
}

}  // namespace

void* allocate(int64_t bytes, const std::string& what) {
  if (bytes <= 0) return nullptr;
  void* p = nullptr;
  const cudaError_t e = cudaMalloc(&p, static_cast<size_t>(bytes));
  if (e != cudaSuccess) {
    cudaGetLastError();
    size_t free = 0, total = 0;
    std::string room;
    if (cudaMemGetInfo(&free, &total) == cudaSuccess) room = "; the device has " + mebibytes(free) + " free of " + mebibytes(total);
    cudaGetLastError();
    cudaFail(e, "cudaMalloc of " + mebibytes(static_cast<double>(bytes)) + " for " + what + room);
  }
  // cudaMemset is ordered on the legacy stream, which every blocking stream waits for.
  cudaCheck(cudaMemset(p, 0, static_cast<size_t>(bytes)), "zeroing " + what);
  cudaCheck(cudaDeviceSynchronize(), "zeroing " + what);
  return p;
}

void release(void* pointer) noexcept {
  if (pointer) cudaFree(pointer);
}

void copyToDevice(void* dst, const void* src, int64_t bytes, CudaStream stream, const char* what) {
  if (bytes <= 0) return;
  cudaCheck(cudaMemcpyAsync(dst, src, static_cast<size_t>(bytes), cudaMemcpyHostToDevice, stream), std::string("copying ") + what + " to the device");
}

void copyToHost(void* dst, const void* src, int64_t bytes, CudaStream stream, const char* what) {
  if (bytes <= 0) return;
  cudaCheck(cudaMemcpyAsync(dst, src, static_cast<size_t>(bytes), cudaMemcpyDeviceToHost, stream), std::string("copying ") + what + " to the host");
  cudaCheck(cudaStreamSynchronize(stream), std::string("waiting for ") + what);
}

void copyOnDevice(void* dst, const void* src, int64_t bytes, CudaStream stream, const char* what) {
  if (bytes <= 0) return;
  cudaCheck(cudaMemcpyAsync(dst, src, static_cast<size_t>(bytes), cudaMemcpyDeviceToDevice, stream), std::string("copying ") + what + " on the device");
}

void zero(void* pointer, int64_t bytes, CudaStream stream, const char* what) {
  if (bytes <= 0) return;
  cudaCheck(cudaMemsetAsync(pointer, 0, static_cast<size_t>(bytes), stream), std::string("zeroing ") + what);
}

CudaStream createStream(int device) {
  cudaCheck(cudaSetDevice(device), "selecting CUDA device " + std::to_string(device));
  cudaStream_t s = nullptr;
  // Blocking (not cudaStreamNonBlocking): the stream waits for the legacy stream's memsets above.
  cudaCheck(cudaStreamCreate(&s), "creating a CUDA stream");
  return s;
}

void destroyStream(CudaStream stream) noexcept {
  if (!stream) return;
  releaseWorkspace(stream);
  cudaStreamDestroy(stream);
}

void synchronize(CudaStream stream, const char* what) { cudaCheck(cudaStreamSynchronize(stream), what); }

void* allocateHost(int64_t bytes, const std::string& what) {
  if (bytes <= 0) return nullptr;
  void* p = nullptr;
  cudaCheck(cudaMallocHost(&p, static_cast<size_t>(bytes)), "cudaMallocHost of " + mebibytes(static_cast<double>(bytes)) + " for " + what);
  return p;
}

void releaseHost(void* pointer) noexcept {
  if (pointer) cudaFreeHost(pointer);
}

namespace {
struct Scratch {
  void* pointer = nullptr;
  int64_t bytes = 0;
};
std::mutex scratchMutex;
std::map<CudaStream, Scratch>& scratches() {
  static std::map<CudaStream, Scratch> all;
  return all;
}
}  // namespace

void* workspace(CudaStream stream, int64_t bytes) {
  std::lock_guard<std::mutex> lock(scratchMutex);
  Scratch& s = scratches()[stream];
  if (bytes > s.bytes) {
    // cudaFree waits for the device, so no queued kernel still uses the old block.
    release(s.pointer);
    s.pointer = nullptr;
    s.bytes = 0;
    const int64_t grown = bytes + bytes / 4;
    s.pointer = allocate(grown, "kernel workspace");
    s.bytes = grown;
  }
  return s.pointer;
}

void releaseWorkspace(CudaStream stream) noexcept {
  std::lock_guard<std::mutex> lock(scratchMutex);
  auto it = scratches().find(stream);
  if (it == scratches().end()) return;
  release(it->second.pointer);
  scratches().erase(it);
}

bool deviceAvailable(std::string* why) {
  int count = 0;
  const cudaError_t e = cudaGetDeviceCount(&count);
  if (e != cudaSuccess) {
    cudaGetLastError();
    if (why) *why = std::string("cudaGetDeviceCount: ") + cudaGetErrorString(e);
    return false;
  }
  if (count == 0) {
    if (why) *why = "the CUDA runtime sees no device";
    return false;
  }
  return true;
}

}  // namespace sj::cuda
