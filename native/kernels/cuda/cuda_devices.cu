#include <cuda_runtime.h>

#include "kernels/cuda/cuda_devices.h"

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

}  // namespace sj
