#include "cuda/cuda_check.h"

namespace sj {

void cudaFail(cudaError_t error, const std::string& what) {
  std::string message = what + " failed: " + cudaGetErrorString(error) + " (" + cudaGetErrorName(error) + ")";
#if defined(SEDJOULE_CUDA_EMULATION)
  const std::string detail = sj_emulator::lastDiagnostic();
  if (error == cudaErrorLaunchFailure && !detail.empty()) message += ": " + detail;
#endif
  cudaGetLastError();  // clear a non-sticky error so that the next call reports its own
  throw Error(ErrorCode::Cuda, message);
}

}  // namespace sj
