#include "core/device.h"

#include "base/error.h"
#include "cuda/cuda_session.h"
#include "cuda/device_memory.h"

namespace sj {

Device parseDevice(const std::string& name) {
  if (name == "cpu") return Device::Cpu;
  if (name == "cuda") return Device::Cuda;
  fail(ErrorCode::Value, "device '", name, "' is not one of cpu, cuda");
}

CudaSessionPointer openCudaSession(Device device, int cudaDevice, const char* who) {
  if (device != Device::Cuda) return noCudaSession();
  if constexpr (!kCudaBuilt) {
    fail(ErrorCode::Cuda, who, ": this build of sedjoule has no CUDA backend (it was built without nvcc, or with SEDJOULE_CUDA=OFF)");
  } else {
    std::string why;
    if (!cuda::deviceAvailable(&why)) fail(ErrorCode::Cuda, who, ": no CUDA device to run on: ", why);
    return makeCudaSession(cudaDevice);
  }
}

}  // namespace sj
