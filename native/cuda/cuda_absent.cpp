#include "cuda/cuda_devices.h"

#include "base/error.h"

namespace sj {

CudaStatus queryCuda() {
  CudaStatus status;
  status.note = "built without the CUDA backend (SEDJOULE_CUDA=OFF or no nvcc at build time)";
  return status;
}

void cudaSynchronizeAll() {}

std::string cudaBusy(int, double) { return "built without the CUDA backend"; }

CudaSpinLoad::CudaSpinLoad(int device) : device_(device) {
  fail(ErrorCode::Cuda, "no GPU load on device ", device, ": built without the CUDA backend");
}
CudaSpinLoad::~CudaSpinLoad() = default;
void CudaSpinLoad::launch(double, double) {}
void CudaSpinLoad::wait() {}

CudaFmaPeak measureCudaFmaPeak(int, double) {
  CudaFmaPeak peak;
  peak.error = "built without the CUDA backend";
  return peak;
}

}  // namespace sj
