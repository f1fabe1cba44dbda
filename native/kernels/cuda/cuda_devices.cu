#include <cuda_runtime.h>

#include <chrono>

#include "kernels/cuda/cuda_devices.h"
#include "kernels/cuda/launch.h"

namespace sj {

CudaStatus queryCuda() {
  CudaStatus status;
  status.compiled = true;
  cudaRuntimeGetVersion(&status.runtimeVersion);
  cudaDriverGetVersion(&status.driverVersion);
  int count = 0;
  cudaError_t err = cudaGetDeviceCount(&count);
  if (err != cudaSuccess) {
    // No driver or no device: the runtime reports it here, and the engine runs on the CPU.
    status.note = std::string("cudaGetDeviceCount: ") + cudaGetErrorString(err);
    cudaGetLastError();
    return status;
  }
  for (int i = 0; i < count; ++i) {
    cudaDeviceProp prop;
    if (cudaGetDeviceProperties(&prop, i) != cudaSuccess) continue;
    CudaDeviceInfo d;
    d.index = i;
    d.name = prop.name;
    d.computeMajor = prop.major;
    d.computeMinor = prop.minor;
    d.memoryBytes = static_cast<int64_t>(prop.totalGlobalMem);
    d.multiprocessors = prop.multiProcessorCount;
    status.devices.push_back(d);
  }
  if (count == 0) status.note = "the CUDA runtime sees no device";
  return status;
}

void cudaSynchronizeAll() {
  int count = 0;
  if (cudaGetDeviceCount(&count) != cudaSuccess) {
    cudaGetLastError();
    return;
  }
  int current = 0;
  cudaGetDevice(&current);
  for (int d = 0; d < count; ++d) {
    cudaSetDevice(d);
    cudaDeviceSynchronize();
  }
  cudaSetDevice(current);
}

namespace {
// Spins until the SM clock has advanced by `cycles`; one block per SM keeps every SM busy.
__global__ void spinKernel(long long cycles, int* sink) {
  const long long start = clock64();
  float x = threadIdx.x;
  while (clock64() - start < cycles) x = x * 0.999999f + 1e-6f;
  if (x == -1.f) *sink = 1;  // never true; keeps the loop from being removed
}
}  // namespace

std::string cudaBusy(int device, double seconds) {
  if (cudaSetDevice(device) != cudaSuccess) return std::string("cudaSetDevice: ") + cudaGetErrorString(cudaGetLastError());
  cudaDeviceProp prop;
  if (cudaGetDeviceProperties(&prop, device) != cudaSuccess) return std::string("cudaGetDeviceProperties: ") + cudaGetErrorString(cudaGetLastError());
  int* sink = nullptr;
  if (cudaMalloc(&sink, sizeof(int)) != cudaSuccess) return std::string("cudaMalloc: ") + cudaGetErrorString(cudaGetLastError());
  // Launch in slices of about 50 ms so the wall time stays close to `seconds` whatever the clock.
  int clockKHz = 0;
  cudaDeviceGetAttribute(&clockKHz, cudaDevAttrClockRate, device);
  const long long slice = static_cast<long long>(clockKHz > 0 ? clockKHz : 1500000) * 50;
  const auto start = std::chrono::steady_clock::now();
  std::string error;
  try {
    while (std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count() < seconds) {
      cuda::launch("spin", spinKernel, dim3(prop.multiProcessorCount * 4), dim3(256), 0, nullptr, slice, sink);
      cudaCheck(cudaDeviceSynchronize(), "running the spin kernel");
    }
  } catch (const Error& e) {
    error = e.what();
  }
  cudaFree(sink);
  return error;
}

}  // namespace sj
