// Adam and SGD on CUDA: one thread per parameter over a grid-stride loop, the CPU kernel's float
// arithmetic per element.
#include "kernels/optimizer.h"

#include "cuda/launch.h"
#include "kernels/cuda/elementwise.h"

namespace sj::cuda {
namespace {

struct AdamConstants {
  float beta1, keep1, beta2, keep2, weightDecay, eps, stepSize, bc2Sqrt;  // keepK = 1 - betaK
};

// d = g + wd * p; m = b1 m + (1 - b1) d; v = b2 v + (1 - b2) d^2; p -= stepSize * m / (sqrt(v) / sqrt(bc2) + eps)
__global__ void adamKernel(int64_t n, AdamConstants k, float* __restrict__ p, const float* __restrict__ g, float* __restrict__ m,
                           float* __restrict__ v) {
  for (int64_t i = gridStrideStart(); i < n; i += gridStrideStep()) {
    const float d = g[i] + k.weightDecay * p[i];
    const float mi = k.beta1 * m[i] + k.keep1 * d;
    const float vi = k.beta2 * v[i] + k.keep2 * (d * d);
    m[i] = mi;
    v[i] = vi;
    p[i] -= k.stepSize * (mi / (::sqrtf(vi) / k.bc2Sqrt + k.eps));
  }
}

// momentum == 0: p -= lr * (g + wd * p)
__global__ void sgdPlainKernel(int64_t n, float lr, float weightDecay, float* __restrict__ p, const float* __restrict__ g) {
  for (int64_t i = gridStrideStart(); i < n; i += gridStrideStep()) p[i] -= lr * (g[i] + weightDecay * p[i]);
}

// m = first ? d : mu * m + (1 - dampening) * d;  p -= lr * (nesterov ? d + mu * m : m)
__global__ void sgdMomentumKernel(int64_t n, bool first, bool nesterov, float lr, float weightDecay, float mu, float keep, float* __restrict__ p,
                                  const float* __restrict__ g, float* __restrict__ m) {
  for (int64_t i = gridStrideStart(); i < n; i += gridStrideStep()) {
    const float d = g[i] + weightDecay * p[i];
    const float buf = first ? d : mu * m[i] + keep * d;
    m[i] = buf;
    p[i] -= lr * (nesterov ? d + mu * buf : buf);
  }
}

}  // namespace

void adamStep(CudaStream stream, const AdamShape& s, int64_t step, float* p, const float* g, float* m, float* v) {
  const AdamScalars scalars = adamScalars(s, step);  // checks the step
  const AdamConstants k{static_cast<float>(s.beta1),       static_cast<float>(1.0 - s.beta1),      static_cast<float>(s.beta2),
                        static_cast<float>(1.0 - s.beta2), static_cast<float>(s.weightDecay),      static_cast<float>(s.eps),
                        static_cast<float>(scalars.stepSize), static_cast<float>(scalars.bc2Sqrt)};
  launch("adamStep", adamKernel, elementwiseGrid(s.size), dim3(kElementwiseThreads), 0, stream, s.size, k, p, g, m, v);
}

void sgdStep(CudaStream stream, const SgdShape& s, int64_t step, float* p, const float* g, float* m) {
  checkStep(step);
  const float lr = static_cast<float>(s.lr), weightDecay = static_cast<float>(s.weightDecay);
  if (s.momentum == 0.0) {
    launch("sgdStep", sgdPlainKernel, elementwiseGrid(s.size), dim3(kElementwiseThreads), 0, stream, s.size, lr, weightDecay, p, g);
    return;
  }
  launch("sgdStep", sgdMomentumKernel, elementwiseGrid(s.size), dim3(kElementwiseThreads), 0, stream, s.size, step == 1, s.nesterov, lr,
         weightDecay, static_cast<float>(s.momentum), static_cast<float>(1.0 - s.dampening), p, g, m);
}

}  // namespace sj::cuda
