// Parameter updates, one call per parameter tensor and step, with torch.optim semantics (the
// single-tensor, non-capturable code path of torch/optim/adam.py and sgd.py, maximize=False).
//
//   p  [P]   parameters, updated in place
//   g  [P]   gradient (not modified: weight decay is added to a copy)
//   m  [P]   Adam: first moment (exp_avg), zero before step 1; SGD: momentum buffer
//   v  [P]   Adam: second moment (exp_avg_sq), zero before step 1; SGD: unused
//
// Adam, step t >= 1, with d = g + weightDecay * p (L2, torch.optim.Adam's weight_decay):
//   m = beta1 * m + (1 - beta1) * d
//   v = beta2 * v + (1 - beta2) * d * d
//   p = p - (lr / bc1) * m / (sqrt(v) / sqrt(bc2) + eps),    bcK = 1 - betaK^t
// SGD, d as above:
//   momentum == 0:  p = p - lr * d
//   otherwise:      m = d at step 1, else m = momentum * m + (1 - dampening) * d
//                   p = p - lr * (nesterov ? d + momentum * m : m)
//
// Per element, Adam costs 12 flops and 1 sqrt (+2 flops with weight decay); SGD 2 flops, +2 with
// weight decay, +3 for the momentum update after step 1, +2 for Nesterov.
//
// Not counted: the per-call scalars (bc1, bc2, lr / bc1, sqrt(bc2), 1 - beta, 1 - dampening).
// They are computed once per call in double on the host, as PyTorch computes them in Python
// floats, not per element and not on tensor data; the reference and the fast kernel take them
// from the same function (adamScalars) and use them as constants. The cost columns describe the
// work on the P elements, and the tests prove them exact for that loop.
#pragma once
#include <cstdint>
#include <string>

#include "core/cost.h"
#include "core/thread_pool.h"
#include "cuda/cuda_stream.h"
#include "kernels/scalar_math.h"

namespace sj {

struct AdamShape {
  int64_t size = 1;  // P
  double lr = 1e-3, beta1 = 0.9, beta2 = 0.999, eps = 1e-8, weightDecay = 0.0;

  void validate() const;  // E_SHAPE for the size, E_VALUE naming the bad hyperparameter
  std::string describe() const;
};

struct SgdShape {
  int64_t size = 1;  // P
  double lr = 1e-2, momentum = 0.0, dampening = 0.0, weightDecay = 0.0;
  bool nesterov = false;

  void validate() const;  // E_SHAPE for the size, E_VALUE naming the bad hyperparameter
  std::string describe() const;
};

// The per-call constants of Adam step t (t >= 1).
struct AdamScalars {
  double stepSize;   // lr / (1 - beta1^t)
  double bc2Sqrt;    // sqrt(1 - beta2^t)
};
AdamScalars adamScalars(const AdamShape& s, int64_t step);

void checkStep(int64_t step);  // E_VALUE unless step >= 1

Cost adamCost(const AdamShape& s);
Cost sgdCost(const SgdShape& s, int64_t step);  // step 1 initialises the momentum buffer

// ---- reference loops -------------------------------------------------------------------------

template <class T>
void adamReference(const AdamShape& s, int64_t step, T* p, const T* g, T* m, T* v) {
  const AdamScalars k = adamScalars(s, step);
  for (int64_t i = 0; i < s.size; ++i) {
    const T d = s.weightDecay != 0.0 ? g[i] + T(s.weightDecay) * p[i] : g[i];
    m[i] = T(s.beta1) * m[i] + T(1.0 - s.beta1) * d;
    v[i] = T(s.beta2) * v[i] + T(1.0 - s.beta2) * (d * d);
    const T denom = sqrt(v[i]) / T(k.bc2Sqrt) + T(s.eps);
    p[i] = p[i] - T(k.stepSize) * (m[i] / denom);
  }
}

template <class T>
void sgdReference(const SgdShape& s, int64_t step, T* p, const T* g, T* m) {
  for (int64_t i = 0; i < s.size; ++i) {
    const T d = s.weightDecay != 0.0 ? g[i] + T(s.weightDecay) * p[i] : g[i];
    T update = d;
    if (s.momentum != 0.0) {
      m[i] = step == 1 ? d : T(s.momentum) * m[i] + T(1.0 - s.dampening) * d;
      update = s.nesterov ? d + T(s.momentum) * m[i] : m[i];
    }
    p[i] = p[i] - T(s.lr) * update;
  }
}

// ---- CPU kernels (kernels/cpu/optimizer.cpp) -----------------------------------------------------

void adamStep(ThreadPool& pool, const AdamShape& s, int64_t step, float* p, const float* g, float* m, float* v);
void sgdStep(ThreadPool& pool, const SgdShape& s, int64_t step, float* p, const float* g, float* m);

// ---- CUDA kernels (kernels/cuda/optimizer.cu) ----------------------------------------------------
// All pointers are device memory; the scalars are computed on the host (adamScalars) and passed by
// value, so the step needs no host synchronisation.

namespace cuda {

void adamStep(CudaStream stream, const AdamShape& s, int64_t step, float* p, const float* g, float* m, float* v);
void sgdStep(CudaStream stream, const SgdShape& s, int64_t step, float* p, const float* g, float* m);

}  // namespace cuda

}  // namespace sj
