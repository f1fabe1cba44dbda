#include <cuda_runtime.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>

#include "cuda/cuda_devices.h"
#include "cuda/global_timer.h"
#include "cuda/launch.h"

namespace sj {

namespace {
// NVML's spelling of a device UUID (nvmlDeviceGetUUID): "GPU-" and the 16 bytes as 8-4-4-4-12 hex digits.
std::string nvmlStyleUuid(const cudaUUID_t& uuid) {
  const auto* b = reinterpret_cast<const unsigned char*>(uuid.bytes);
  char text[48];
  std::snprintf(text, sizeof text, "GPU-%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", b[0], b[1], b[2], b[3], b[4],
                b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15]);
  return text;
}
}  // namespace

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
    d.uuid = nvmlStyleUuid(prop.uuid);
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

constexpr int kSpinThreads = 1024;   // per block: 32 warps, 8 per SM sub-partition, to keep its FMA pipe busy
constexpr int kSpinChains = 4;       // independent FMA chains per thread, so the warps do not wait on FMA latency
constexpr int kSpinIterations = 64;  // FMA rounds between two reads of the timer (under a microsecond)

// Every thread spins until `durationNs` after the first block's start (the first to swap its time
// into the zeroed start cell), so the whole grid ends together even where blocks start late (the
// emulator runs them one after another).
__global__ void spinForKernel(unsigned long long durationNs, unsigned long long* startCell, float* sink) {
  const unsigned long long now = cuda::globalTimerNs();
  const unsigned long long first = atomicCAS(startCell, 0ULL, now);
  const unsigned long long end = (first == 0 ? now : first) + durationNs;
  float a[kSpinChains];
  for (int c = 0; c < kSpinChains; ++c) a[c] = threadIdx.x * 1e-3f + c;
  while (cuda::globalTimerNs() < end) {
#pragma unroll 8
    for (int i = 0; i < kSpinIterations; ++i) {
#pragma unroll
      for (int c = 0; c < kSpinChains; ++c) a[c] = fmaf(a[c], 0.9999999f, 1e-7f);
    }
  }
  float sum = 0.f;
  for (int c = 0; c < kSpinChains; ++c) sum += a[c];
  if (sum == -1.f) *sink = sum;  // never true; keeps the chains
}

}  // namespace

CudaSpinLoad::CudaSpinLoad(int device) : device_(device) {
  cudaCheck(cudaSetDevice(device), "selecting device " + std::to_string(device) + " for the spin load");
  cudaCheck(cudaDeviceGetAttribute(&multiprocessors_, cudaDevAttrMultiProcessorCount, device), "reading the device's SM count");
  cudaCheck(cudaMalloc(&startCell_, sizeof(unsigned long long)), "allocating the spin load's start cell");
  if (cudaMalloc(&sink_, sizeof(float)) != cudaSuccess) {
    cudaFree(startCell_);
    cudaCheck(cudaGetLastError(), "allocating the spin load's sink");
  }
}

CudaSpinLoad::~CudaSpinLoad() {
  cudaSetDevice(device_);
  cudaFree(startCell_);
  cudaFree(sink_);
}

void CudaSpinLoad::launch(double seconds, double smShare) {
  const int blocks = std::max(1, static_cast<int>(std::lround(smShare * multiprocessors_)));
  const auto durationNs = static_cast<unsigned long long>(std::llround(seconds * 1e9));
  cudaCheck(cudaSetDevice(device_), "selecting the device of the spin load");
  cudaCheck(cudaMemsetAsync(startCell_, 0, sizeof(unsigned long long), nullptr), "clearing the spin load's start cell");
  cuda::launch("spinFor", spinForKernel, dim3(blocks), dim3(kSpinThreads), 0, nullptr, durationNs, startCell_, sink_);
}

void CudaSpinLoad::wait() {
  cudaCheck(cudaSetDevice(device_), "selecting the device of the spin load");
  cudaCheck(cudaDeviceSynchronize(), "running the spin load");
}

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
