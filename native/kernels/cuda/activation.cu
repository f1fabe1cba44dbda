#include "kernels/activation.h"

#include "cuda/launch.h"
#include "kernels/cuda/device_math.h"
#include "kernels/cuda/elementwise.h"

namespace sj::cuda {
namespace {

// The formulas of kernels/activation.h with the device's transcendentals, one kernel per kind.
template <ActivationKind K>
__global__ void activationForwardKernel(int64_t n, float a, float b, const float* __restrict__ x, float* __restrict__ y) {
  for (int64_t i = gridStrideStart(); i < n; i += gridStrideStep()) y[i] = activationValue<K, DeviceMath>(x[i], a, b);
}

template <ActivationKind K>
__global__ void activationBackwardInputKernel(int64_t n, float a, float b, const float* __restrict__ x, const float* __restrict__ dy,
                                              float* __restrict__ dx) {
  for (int64_t i = gridStrideStart(); i < n; i += gridStrideStep()) dx[i] = activationGradient<K, DeviceMath>(x[i], dy[i], a, b);
}

}  // namespace

void activationForward(CudaStream stream, const ActivationShape& s, const float* x, float* y) {
  withActivationKind(s.kind, [&](auto kind) {
    constexpr ActivationKind K = decltype(kind)::value;
    launch("activationForward", activationForwardKernel<K>, elementwiseGrid(s.size), dim3(kElementwiseThreads), 0, stream, s.size,
           static_cast<float>(s.a), static_cast<float>(s.b), x, y);
  });
}

void activationBackwardInput(CudaStream stream, const ActivationShape& s, const float* x, const float* dy, float* dx) {
  withActivationKind(s.kind, [&](auto kind) {
    constexpr ActivationKind K = decltype(kind)::value;
    launch("activationBackwardInput", activationBackwardInputKernel<K>, elementwiseGrid(s.size), dim3(kElementwiseThreads), 0, stream, s.size,
           static_cast<float>(s.a), static_cast<float>(s.b), x, dy, dx);
  });
}

}  // namespace sj::cuda
