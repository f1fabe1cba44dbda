#include <cuda_runtime.h>

#include <chrono>

#include "cuda/cuda_devices.h"
#include "cuda/launch.h"

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

namespace sj {
namespace {

constexpr int kPeakChains = 8;       // independent FMA chains per thread: hides the FMA latency
constexpr int kPeakIterations = 4096;

// Each thread: kPeakChains chains of kPeakIterations FMAs (2 FLOPs each); the result is stored
// only if impossible, so the compiler keeps the work.
__global__ void fmaPeakKernel(float seed, float* sink) {
  float a[kPeakChains];
  for (int c = 0; c < kPeakChains; ++c) a[c] = seed + threadIdx.x * 1e-3f + c;
#pragma unroll 16
  for (int i = 0; i < kPeakIterations; ++i) {
#pragma unroll
    for (int c = 0; c < kPeakChains; ++c) a[c] = fmaf(a[c], 0.9999999f, 1e-7f);
  }
  float sum = 0.f;
  for (int c = 0; c < kPeakChains; ++c) sum += a[c];
  if (sum == -1.f) *sink = sum;
}

}  // namespace

CudaFmaPeak measureCudaFmaPeak(int device, double seconds) {
  CudaFmaPeak peak;
  float* sink = nullptr;
  cudaEvent_t start = nullptr, stop = nullptr;
  try {
    cudaCheck(cudaSetDevice(device), "selecting the device for the FMA peak");
    cudaDeviceProp prop;
    cudaCheck(cudaGetDeviceProperties(&prop, device), "reading the device's properties");
    cudaCheck(cudaMalloc(&sink, sizeof(float)), "allocating the FMA peak's sink");
    cudaCheck(cudaEventCreate(&start), "creating an event");
    cudaCheck(cudaEventCreate(&stop), "creating an event");
    const dim3 grid(prop.multiProcessorCount * 8), block(256);
    const double flopsPerLaunch = 2.0 * kPeakChains * kPeakIterations * grid.x * block.x;
    cuda::launch("fmaPeak", fmaPeakKernel, grid, block, 0, nullptr, 1.f, sink);  // warm-up, clocks up
    cudaCheck(cudaDeviceSynchronize(), "warming up the FMA peak kernel");
    int launches = 1;
    float ms = 0;
    for (;;) {
      cudaEventRecord(start);
      for (int i = 0; i < launches; ++i) cuda::launch("fmaPeak", fmaPeakKernel, grid, block, 0, nullptr, 1.f, sink);
      cudaEventRecord(stop);
      cudaCheck(cudaEventSynchronize(stop), "running the FMA peak kernel");
      cudaEventElapsedTime(&ms, start, stop);
      if (ms / 1000.0 >= seconds || launches >= (1 << 20)) break;
      launches *= 2;
    }
    peak.seconds = ms / 1000.0;
    peak.gflops = flopsPerLaunch * launches / peak.seconds / 1e9;
  } catch (const Error& e) {
    peak.error = e.what();
  }
  if (start) cudaEventDestroy(start);
  if (stop) cudaEventDestroy(stop);
  if (sink) cudaFree(sink);
  return peak;
}

}  // namespace sj
