// What the CUDA runtime can see. Built from cuda_devices.cu when the CUDA backend is compiled in,
// else from cuda_absent.cpp, which says so.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace sj {

struct CudaDeviceInfo {
  int index = 0;
  std::string name;
  int computeMajor = 0, computeMinor = 0;
  int64_t memoryBytes = 0;
  int multiprocessors = 0;
  std::string uuid;  // "GPU-xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx", as NVML writes it: matches a CUDA device to its NVML device
};

struct CudaStatus {
  bool compiled = false;      // the addon was built with the CUDA backend
  int runtimeVersion = 0;     // e.g. 13000 for CUDA 13.0 (the statically linked runtime)
  int driverVersion = 0;      // 0 when no driver is installed
  std::vector<CudaDeviceInfo> devices;
  std::string note;           // why no device is visible, when none is
};

CudaStatus queryCuda();

// Waits for all queued work on every visible device (energy windows call it at their edges).
// A no-op without the CUDA backend or without devices.
void cudaSynchronizeAll();

// Keeps `device` busy for about `seconds` with a spinning kernel (the probe's GPU load). Returns
// an empty string on success, else why it could not.
std::string cudaBusy(int device, double seconds);

// The sensor study's GPU load (study/load_bursts.h): one spin kernel that runs `seconds` of wall
// time, measured on the GPU by its global nanosecond timer from the moment the first block starts,
// on round(smShare x SMs) blocks (at least 1) of 1024 threads running independent FMA chains. With
// no more blocks than SMs, the block scheduler places one block per SM (what it does with a grid
// that fits in one wave; the CUDA programming guide does not promise it), so smShare is the share
// of SMs loaded. Made once per device before the bursts (it allocates the kernel's start cell), so
// a burst pays only the launch.
class CudaSpinLoad {
 public:
  explicit CudaSpinLoad(int device);  // E_CUDA when the device cannot be used (or no CUDA backend)
  ~CudaSpinLoad();
  CudaSpinLoad(const CudaSpinLoad&) = delete;
  CudaSpinLoad& operator=(const CudaSpinLoad&) = delete;

  // Queues the kernel and returns (E_CUDA when it cannot be queued); wait() blocks until it ends.
  void launch(double seconds, double smShare);
  void wait();
  int multiprocessors() const { return multiprocessors_; }

 private:
  int device_ = 0;
  int multiprocessors_ = 0;
  unsigned long long* startCell_ = nullptr;  // device memory: the first block's start, 0 before it
  float* sink_ = nullptr;                    // device memory: keeps the FMA chains from being removed
};

// The device's FP32 FMA throughput, measured (not the data sheet's): blocks of independent FMA
// chains that never touch memory, over about `seconds`, timed by CUDA events. The "peak" that
// conv2d's GFLOP/s is compared with in the device check (no tensor cores, as the kernels use none).
struct CudaFmaPeak {
  double gflops = 0;
  double seconds = 0;
  std::string error;  // why it could not be measured (no backend, no device, a CUDA error)
};
CudaFmaPeak measureCudaFmaPeak(int device, double seconds);

}  // namespace sj
