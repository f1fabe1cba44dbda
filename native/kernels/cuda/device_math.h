// Scalar formulas of the CPU kernels, written once for device code (the CPU ones call host-only
// functions): included by .cu files only.
#pragma once
#include <cuda_runtime.h>

#include <cmath>

namespace sj::cuda {

// sigmoidOf (kernels/sigmoid.h) on the device: (x >= 0 ? 1 : e) / (1 + e), e = exp(-|x|); exp
// never overflows. Shared by the sigmoid and BCE-from-logits kernels, as on the CPU.
__device__ __forceinline__ float sigmoidOfDevice(float x) {
  const float e = ::expf(-::fabsf(x));
  return (x >= 0.0f ? 1.0f : e) / (1.0f + e);
}

// The transcendentals of the shared activation formulas (kernels/activation.h) on the device; the
// host passes HostMath. The same expressions then run in both places.
struct DeviceMath {
  static __device__ __forceinline__ float expOf(float x) { return ::expf(x); }
  static __device__ __forceinline__ float erfOf(float x) { return ::erff(x); }
  static __device__ __forceinline__ float tanhOf(float x) { return ::tanhf(x); }
  static __device__ __forceinline__ float logistic(float x) { return sigmoidOfDevice(x); }
};

}  // namespace sj::cuda
