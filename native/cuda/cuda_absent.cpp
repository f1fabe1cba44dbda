#include "cuda/cuda_devices.h"

namespace sj {

CudaStatus queryCuda() {
  CudaStatus status;
  status.note = "built without the CUDA backend (SEDJOULE_CUDA=OFF or no nvcc at build time)";
  return status;
}

void cudaSynchronizeAll() {}

std::string cudaBusy(int, double) { return "built without the CUDA backend"; }

CudaFmaPeak measureCudaFmaPeak(int, double) {
  CudaFmaPeak peak;
  peak.error = "built without the CUDA backend";
  return peak;
}

}  // namespace sj
